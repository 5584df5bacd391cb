//! Email out through an SMTP server (lettre): `smtp://host:port` (STARTTLS when the
//! server offers it; `?tls=required` to insist), `smtps://host:port` (TLS from the
//! start), with `user:password@` for authentication.

use std::time::Duration;

use app::notices::Delivery;
use lettre::{
    message::{header::ContentType, Mailbox, MultiPart, SinglePart},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

use super::{email::Email, Failure};

/// How long one conversation with the SMTP server may take.
const TIMEOUT: Duration = Duration::from_secs(20);

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The right-hand side of Message-IDs: the public URL's host.
    domain: String,
}

impl Mailer {
    pub fn new(smtp_url: &str, from: &str, public_url: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|error| anyhow::anyhow!("--smtp-url: {error}"))?
            .timeout(Some(TIMEOUT))
            .build();
        let from =
            from.parse().map_err(|error| anyhow::anyhow!("--mail-from {from:?}: {error}"))?;
        let domain = url::Url::parse(public_url)
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .unwrap_or_else(|| "apilogs.invalid".to_owned());
        Ok(Mailer { transport, from, domain })
    }

    /// Sends the delivery's email. A refusal the server calls permanent (an unknown
    /// mailbox, say) is not tried again.
    pub async fn send(&self, delivery: &Delivery) -> Result<Option<i32>, Failure> {
        let email: Email = serde_json::from_str(&delivery.payload).map_err(|error| {
            Failure::permanent(format!("a stored email does not read: {error}"))
        })?;
        let to: Mailbox = email.to.parse().map_err(|error| {
            Failure::permanent(format!("{:?} is no address: {error}", email.to))
        })?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject)
            .message_id(Some(format!("<{}@{}>", delivery.message_id, self.domain)))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text),
                    )
                    .singlepart(
                        SinglePart::builder().header(ContentType::TEXT_HTML).body(email.html),
                    ),
            )
            .map_err(|error| Failure::permanent(format!("the email does not build: {error}")))?;
        match self.transport.send(message).await {
            Ok(response) => Ok(Some(i32::from(u16::from(response.code())))),
            Err(error) => Err(Failure {
                permanent: error.is_permanent(),
                status: error.status().map(|code| i32::from(u16::from(code))),
                error: error.to_string(),
            }),
        }
    }
}
