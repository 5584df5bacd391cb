//! `apilogs user add`: creating users from the command line.

use std::io::{BufRead, IsTerminal};

use anyhow::{bail, Context};
use app::{
    auth::{ssr::hash_password, NewUser, Role},
    store::Store,
};
use chrono::{DateTime, Utc};

pub const MIN_PASSWORD_LENGTH: usize = 10;

pub async fn add(
    store: &Store,
    now: DateTime<Utc>,
    email: &str,
    role: Role,
    account: Option<&str>,
) -> anyhow::Result<()> {
    let email = email.trim();
    if !valid_email(email) {
        bail!("{email:?} is not an email address");
    }
    match (role, account) {
        (Role::Customer, None) => bail!("a customer needs --account (an account id or name)"),
        (Role::Support | Role::Admin, Some(_)) => {
            bail!("only customers belong to an account; drop --account")
        }
        _ => {}
    }
    if store.credentials_by_email(email).await?.is_some() {
        bail!("a user with email {} exists", email.to_lowercase());
    }
    // Everything is checked before anything is written: a refusal changes nothing.
    let password = read_password()?;
    if password.chars().count() < MIN_PASSWORD_LENGTH {
        bail!("the password must have at least {MIN_PASSWORD_LENGTH} characters");
    }
    let password_hash = hash_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let account_id = match account {
        Some(account) => Some(find_or_create_account(store, account, now).await?),
        None => None,
    };
    let user = store
        .create_user(NewUser { email, password_hash: &password_hash, role, account_id }, now)
        .await?;
    say!("Added {} ({}), user id {}.", user.email, user.role, user.id);
    Ok(())
}

fn valid_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !email.contains(char::is_whitespace)
        }
        None => false,
    }
}

async fn find_or_create_account(
    store: &Store,
    account: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    if let Ok(id) = account.parse::<i64>() {
        let found = store.account(id).await?;
        return found.map(|a| a.id).with_context(|| format!("no account has id {id}"));
    }
    if let Some(existing) = store.account_by_name(account).await? {
        return Ok(existing.id);
    }
    let created = store.create_account(account, now).await?;
    say!("Created account {:?}, id {}.", created.name, created.id);
    Ok(created.id)
}

/// One line from standard input, or a prompt (twice, without echo) at a terminal.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        if first != again {
            bail!("the two passwords differ");
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_email_addresses_apart() {
        assert!(valid_email("alice@acme.example"));
        assert!(!valid_email("alice"));
        assert!(!valid_email("@acme.example"));
        assert!(!valid_email("alice@localhost"));
        assert!(!valid_email("al ice@acme.example"));
    }
}
