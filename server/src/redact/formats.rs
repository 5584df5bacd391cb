//! Credentials that show by their shape wherever they are: providers' key and token
//! formats, JWTs, and webhook URLs that are their own secret. Each is redacted whole.

/// What the credential is, and its pattern (the `regex` crate's syntax).
pub const FORMATS: [(&str, &str); 28] = [
    ("apilogs API key", r"\bak_(?:live|test)_[0-9A-Za-z_]{16,}"),
    ("AWS access key ID", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
    ("Stripe secret or restricted key", r"\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,}"),
    ("Standard Webhooks / Stripe webhook secret", r"\bwhsec_[0-9A-Za-z+/=]{16,}"),
    ("GitHub token", r"\bgh[pousr]_[0-9A-Za-z]{36,}"),
    ("GitHub fine-grained token", r"\bgithub_pat_[0-9A-Za-z_]{22,}"),
    ("GitLab token", r"\bgl(?:pat|dt|rt|ptt|cbt)-[0-9A-Za-z_\-]{20,}"),
    ("Slack token", r"\bxox[abposre]-[0-9A-Za-z\-]{10,}"),
    (
        "Slack webhook URL",
        r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[0-9A-Za-z/_\-]+",
    ),
    (
        "Discord webhook URL",
        r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]+/[0-9A-Za-z_\-]+",
    ),
    ("Google API key", r"\bAIza[0-9A-Za-z_\-]{35}"),
    ("Google OAuth access token", r"\bya29\.[0-9A-Za-z_\-]{20,}"),
    ("OpenAI or Anthropic API key", r"\bsk-(?:proj-|svcacct-|admin-|ant-)?[0-9A-Za-z_\-]{32,}"),
    ("Twilio API key", r"\bSK[0-9a-f]{32}\b"),
    ("SendGrid API key", r"\bSG\.[0-9A-Za-z_\-]{22}\.[0-9A-Za-z_\-]{43}\b"),
    ("Mailgun API key", r"\bkey-[0-9a-z]{32}\b"),
    ("npm token", r"\bnpm_[0-9A-Za-z]{36}\b"),
    ("PyPI token", r"\bpypi-AgEIcHlwaS5vcmc[0-9A-Za-z_\-]{50,}"),
    ("Shopify token", r"\bshp(?:at|ca|pa|ss)_[0-9a-fA-F]{32}\b"),
    ("Square token", r"\b(?:sq0atp|sq0csp|EAAA)[0-9A-Za-z_\-]{22,}"),
    ("Hugging Face token", r"\bhf_[0-9A-Za-z]{34,}\b"),
    ("DigitalOcean token", r"\bdo[por]_v1_[0-9a-f]{64}\b"),
    ("HashiCorp Vault token", r"\bhv[sbr]\.[0-9A-Za-z_\-]{24,}"),
    ("Postman API key", r"\bPMAK-[0-9a-f]{24}-[0-9a-f]{34}\b"),
    // No boundary before it: the Bot API puts it in paths, `/bot<token>/sendMessage`.
    ("Telegram bot token", r"[0-9]{8,10}:AA[0-9A-Za-z_\-]{33}\b"),
    ("Databricks token", r"\bdapi[0-9a-f]{32}(?:-[0-9]+)?\b"),
    ("Linear API key", r"\blin_api_[0-9A-Za-z]{40}\b"),
    ("JSON Web Token", r"\beyJ[0-9A-Za-z_\-]{8,}\.[0-9A-Za-z_\-]{8,}\.[0-9A-Za-z_\-]*"),
];

/// One made-up credential per format, in [`FORMATS`]' order, put together here so
/// that no real-looking secret sits in the repository.
#[cfg(test)]
pub fn samples() -> Vec<(&'static str, String)> {
    let alnum =
        |n: usize| "aB3dE5gH7jK9mN1pQ2rS4tU6vW8xY0z".chars().cycle().take(n).collect::<String>();
    let hex = |n: usize| "0123456789abcdef".chars().cycle().take(n).collect::<String>();
    let upper =
        |n: usize| "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".chars().cycle().take(n).collect::<String>();
    vec![
        ("apilogs API key", format!("ak_live_{}", hex(40))),
        ("AWS access key ID", format!("AKIA{}", upper(16))),
        ("Stripe secret or restricted key", format!("sk_live_{}", alnum(24))),
        ("Standard Webhooks / Stripe webhook secret", format!("whsec_{}", alnum(32))),
        ("GitHub token", format!("ghp_{}", alnum(36))),
        ("GitHub fine-grained token", format!("github_pat_{}_{}", alnum(22), alnum(59))),
        ("GitLab token", format!("glpat-{}", alnum(20))),
        ("Slack token", format!("xoxb-{}-{}-{}", hex(12), hex(13), alnum(24))),
        (
            "Slack webhook URL",
            format!("https://hooks.slack.com/services/T{}/B{}/{}", upper(8), upper(8), alnum(24)),
        ),
        (
            "Discord webhook URL",
            format!("https://discord.com/api/webhooks/1234567890/{}", alnum(68)),
        ),
        ("Google API key", format!("AIza{}", alnum(35))),
        ("Google OAuth access token", format!("ya29.{}", alnum(60))),
        ("OpenAI or Anthropic API key", format!("sk-proj-{}", alnum(48))),
        ("Twilio API key", format!("SK{}", hex(32))),
        ("SendGrid API key", format!("SG.{}.{}", alnum(22), alnum(43))),
        ("Mailgun API key", format!("key-{}", hex(32))),
        ("npm token", format!("npm_{}", alnum(36))),
        ("PyPI token", format!("pypi-AgEIcHlwaS5vcmc{}", alnum(60))),
        ("Shopify token", format!("shpat_{}", hex(32))),
        ("Square token", format!("sq0atp-{}", alnum(22))),
        ("Hugging Face token", format!("hf_{}", alnum(34))),
        ("DigitalOcean token", format!("dop_v1_{}", hex(64))),
        ("HashiCorp Vault token", format!("hvs.{}", alnum(24))),
        ("Postman API key", format!("PMAK-{}-{}", hex(24), hex(34))),
        ("Telegram bot token", format!("123456789:AA{}", alnum(33))),
        ("Databricks token", format!("dapi{}", hex(32))),
        ("Linear API key", format!("lin_api_{}", alnum(40))),
        (
            "JSON Web Token",
            format!("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.{}", alnum(43)),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::{Redactor, REDACTED};

    #[test]
    fn every_format_is_found_in_free_text_and_only_it_goes() {
        let samples = samples();
        assert_eq!(samples.len(), FORMATS.len(), "a sample per format");
        let redactor = Redactor::default();
        for ((name, sample), (format, _)) in samples.iter().zip(FORMATS) {
            assert_eq!(*name, format, "samples in the formats' order");
            for (text, expected) in [
                (format!("used {sample} today"), format!("used {REDACTED} today")),
                (format!("[\"{sample}\", 12]"), format!("[\"{REDACTED}\", 12]")),
                (format!("x-note: ({sample})"), format!("x-note: ({REDACTED})")),
            ] {
                let mut redacted = text.clone();
                assert_eq!(redactor.text(&mut redacted, None), 1, "{name} in {text}");
                assert_eq!(redacted, expected, "{name}");
            }
        }
    }

    #[test]
    fn look_alikes_stay() {
        let redactor = Redactor::default();
        for kept in [
            "ak_live_short",
            "AKIA lower",
            "sk_live_",
            "task-runner-finished-with-some-long-name",
            "skeleton-0123456789012345678901234567890123",
            "eyJ.not.a.jwt",
            "SKU-1234",
            "key-value store",
            "/v1/pdf/merge?pages=1-3",
        ] {
            let mut text = kept.to_owned();
            assert_eq!(redactor.text(&mut text, None), 0, "{kept}");
            assert_eq!(text, kept);
        }
    }
}
