//! The emails about support access: which notice tells whom what, in plain text and
//! HTML, with links to the app built from the public URL. No log data is in any of them:
//! only who, when, which ticket and why.

use app::{
    notices::{Channel, NewDelivery, NoticeFacts, ENDING},
    support_access::AccessAction,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::message_id;

/// An email as every attempt sends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// One paragraph of an email, written once for both parts.
enum Line {
    Text(String),
    /// A sentence ending in a link.
    Link {
        before: String,
        label: String,
        href: String,
    },
}

/// The emails a notice sends: to the account's customers about their grant and
/// Support's requests; to the agent about the answer to their request.
pub fn emails(facts: &NoticeFacts, public_url: &str) -> Vec<NewDelivery> {
    let account = &facts.account_name;
    let logs = format!("{public_url}/logs");
    let history = format!("{public_url}/logs/access");
    let grant = facts.grant.as_ref();
    let request = facts.request.as_ref();
    let actor = facts.event.as_ref().and_then(|e| e.actor_email.clone());
    let someone = || "someone".to_owned();
    let ticket = || request.map(|r| r.ticket.clone()).unwrap_or_default();
    let mut out = Vec::new();
    let mut send = |to: &[String], subject: String, lines: Vec<Line>| {
        for address in to {
            out.push(delivery(facts.notice.id, address, &subject, &lines));
        }
    };
    let customers = &facts.customers;
    let agent: Vec<String> =
        request.and_then(|r| r.requested_by_email.clone()).into_iter().collect();
    match (facts.notice.topic.as_str(), action(facts)) {
        (_, Some(action @ (AccessAction::Grant | AccessAction::Extend))) => {
            let Some(grant) = grant else { return Vec::new() };
            let extended = action == AccessAction::Extend;
            let (did, what) = match extended {
                true => ("extended", "extended Customer Support's access"),
                false => ("granted", "granted Customer Support access"),
            };
            let until = grant.grant.expires_at;
            let words = until_in_words(until, grant.grant.granted_at);
            let mut lines = vec![
                Line::Text(format!(
                    "{} {what} to the API Logs of {account}, with the \
                     request and response of {}, {words}: until {}.",
                    grant.granted_by_email.clone().unwrap_or_else(someone),
                    if grant.grant.scope.is_everything() { "every call" } else { "some calls" },
                    utc(until),
                )),
                Line::Text("The access ends by itself then.".into()),
            ];
            if let Some(ticket) = &grant.grant.ticket {
                let asked = if extended { "request to extend it" } else { "request" };
                lines.push(Line::Text(format!(
                    "It answers Customer Support's {asked} for ticket {ticket}."
                )));
            }
            if let Some(agent) = &grant.grant.grantee_email {
                lines.push(Line::Text(format!("Only {agent}, who asked, can read them.")));
            }
            if let Some(covers) = grant.grant.scope.words() {
                lines.push(Line::Text(format!("Customer Support reads {covers}.")));
            }
            lines.push(Line::Link {
                before: "You can revoke it at any time on your API Logs page:".into(),
                label: "API Logs".into(),
                href: logs.clone(),
            });
            lines.push(history_line(&history));
            send(
                customers,
                format!("Customer Support can read your API Logs until {}", utc(until)),
                lines,
            );
            if let Some(request) = request {
                send(
                    &agent,
                    format!("{account} {did} your request for ticket {}", request.ticket),
                    vec![
                        Line::Text(format!(
                            "{account} {did} your request for access to its API Logs \
                             (ticket {}), until {}.",
                            request.ticket,
                            utc(until)
                        )),
                        Line::Link {
                            before: "The account in the console:".into(),
                            label: account.clone(),
                            href: format!(
                                "{public_url}/support/accounts/{}/logs",
                                grant.grant.account_id
                            ),
                        },
                    ],
                );
            }
        }
        (_, Some(AccessAction::Revoke)) => {
            let by = actor.unwrap_or_else(someone);
            let at = facts.event.as_ref().map_or(facts.notice.created_at, |e| e.occurred_at);
            send(
                customers,
                "Customer Support's access to your API Logs was revoked".into(),
                vec![
                    Line::Text(format!(
                        "{by} revoked Customer Support's access to the API Logs of {account} \
                         at {}. Customer Support can no longer read them.",
                        utc(at)
                    )),
                    history_line(&history),
                ],
            );
        }
        (ENDING, _) => {
            let Some(grant) = grant else { return Vec::new() };
            let until = grant.grant.expires_at;
            send(
                customers,
                "Customer Support's access to your API Logs ends in 24 hours".into(),
                vec![
                    Line::Text(format!(
                        "Customer Support's access to the API Logs of {account} ends {}: at {}.",
                        until_in_words(until, facts.notice.created_at),
                        utc(until)
                    )),
                    Line::Link {
                        before: "Nothing needs doing; to end it sooner, revoke it on your API \
                                 Logs page:"
                            .into(),
                        label: "API Logs".into(),
                        href: logs.clone(),
                    },
                ],
            );
        }
        (_, Some(AccessAction::Expire)) => {
            let at = grant.map_or(facts.notice.created_at, |g| g.grant.expires_at);
            send(
                customers,
                "Customer Support's access to your API Logs has ended".into(),
                vec![
                    Line::Text(format!(
                        "Customer Support's two weeks of access to the API Logs of {account} \
                         ended at {}. Customer Support can no longer read them.",
                        utc(at)
                    )),
                    history_line(&history),
                ],
            );
        }
        (_, Some(AccessAction::Request)) => {
            let Some(request) = request else { return Vec::new() };
            let asks =
                if request.extends.is_some() { "to extend their access" } else { "for access" };
            send(
                customers,
                format!(
                    "Customer Support asks {} to your API Logs (ticket {})",
                    asks, request.ticket
                ),
                vec![
                    Line::Text(format!(
                        "{} from Customer Support asks {asks} to the API Logs of {account} \
                         for ticket {}.",
                        request.requested_by_email.clone().unwrap_or_else(someone),
                        request.ticket
                    )),
                    Line::Text(format!("Why: {}", request.reason)),
                    Line::Link {
                        before: format!(
                            "Grant or decline it on your API Logs page; unanswered, it lapses \
                             at {}:",
                            utc(request.lapses_at)
                        ),
                        label: "API Logs".into(),
                        href: logs.clone(),
                    },
                ],
            );
        }
        (_, Some(AccessAction::Decline)) => {
            send(
                &agent,
                format!("{account} declined your request for ticket {}", ticket()),
                vec![Line::Text(format!(
                    "{} declined your request for access to the API Logs of {account} (ticket {}).",
                    actor.unwrap_or_else(someone),
                    ticket()
                ))],
            );
        }
        (_, Some(AccessAction::Lapse)) => {
            send(
                customers,
                format!("Customer Support's request for access lapsed (ticket {})", ticket()),
                vec![
                    Line::Text(format!(
                        "Customer Support's request for access to the API Logs of {account} \
                         (ticket {}) lapsed unanswered. Nothing was granted.",
                        ticket()
                    )),
                    history_line(&history),
                ],
            );
        }
        (_, Some(action @ (AccessAction::Share | AccessAction::Unshare))) => {
            let Some(event) = &facts.event else { return Vec::new() };
            let by = actor.unwrap_or_else(someone);
            let call = format!(
                "{} ({})",
                event.detail.request_id.clone().unwrap_or_default(),
                event.detail.endpoint.clone().unwrap_or_default()
            );
            let (subject, text) = if action == AccessAction::Share {
                (
                    "A call of your API Logs was shared by a link",
                    format!(
                        "{by} made a share link to the call {call} of {account} at {}. Anyone                          holding the link can see that call until it expires or is revoked.",
                        utc(event.occurred_at)
                    ),
                )
            } else {
                (
                    "A share link to your API Logs was revoked",
                    format!(
                        "{by} revoked the share link to the call {call} of {account} at {}. It                          no longer opens.",
                        utc(event.occurred_at)
                    ),
                )
            };
            send(
                customers,
                subject.into(),
                vec![
                    Line::Text(text),
                    Line::Link {
                        before: "Your links, who opened them, and a way to revoke them:".into(),
                        label: "Shared calls".into(),
                        href: format!("{public_url}/logs/shared"),
                    },
                ],
            );
        }
        // Views, by Support or through a share link, are for the webhooks and the
        // history, not the inbox.
        _ => {}
    }
    out
}

fn action(facts: &NoticeFacts) -> Option<AccessAction> {
    facts.event.as_ref().map(|e| e.action)
}

fn history_line(history: &str) -> Line {
    Line::Link {
        before: "Everything Customer Support did with it is in your access history:".into(),
        label: "What Customer Support has seen".into(),
        href: history.to_owned(),
    }
}

fn delivery(notice: i64, to: &str, subject: &str, lines: &[Line]) -> NewDelivery {
    let mut text = String::new();
    let mut html = String::from("<!doctype html><html><body style=\"font-family:sans-serif\">");
    for line in lines {
        match line {
            Line::Text(sentence) => {
                text.push_str(sentence);
                html.push_str(&format!("<p>{}</p>", escape(sentence)));
            }
            Line::Link { before, label, href } => {
                text.push_str(&format!("{before} {href}"));
                html.push_str(&format!(
                    "<p>{} <a href=\"{}\">{}</a></p>",
                    escape(before),
                    escape(href),
                    escape(label)
                ));
            }
        }
        text.push_str("\n\n");
    }
    html.push_str("</body></html>");
    let email = Email { to: to.to_owned(), subject: subject.to_owned(), text, html };
    NewDelivery {
        message_id: message_id(notice, "email", to),
        channel: Channel::Email,
        recipient: to.to_owned(),
        payload: serde_json::to_string(&email).expect("an email serialises"),
    }
}

/// `2026-12-12 03:20:15 UTC`
fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// "for 2 weeks", "in 24 hours": how far `until` is from `from`, in words.
fn until_in_words(until: DateTime<Utc>, from: DateTime<Utc>) -> String {
    let hours = (until - from).num_minutes().div_euclid(60).max(0);
    match hours {
        h if h >= 24 * 14 && h % (24 * 7) == 0 => format!("for {} weeks", h / (24 * 7)),
        h if h >= 48 => format!("in {} days", h / 24),
        h if h >= 1 => format!("in {h} hour{}", if h == 1 { "" } else { "s" }),
        _ => "within the hour".to_owned(),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
