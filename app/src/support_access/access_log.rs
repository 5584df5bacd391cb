//! Support's reads, recorded in groups. Every page an agent reads is an access event,
//! written before the page is shown; one transaction each made the agent's pages wait
//! for one sync to disk after another (two a page: its calls and its chart). Here the
//! events that arrive while one group is written go together in the next: one
//! transaction, one sync, however many agents read at once. The groups form in what
//! the store keeps for this module, shared by every clone of it.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use tokio::sync::oneshot;

use super::NewAccessEvent;
use crate::store::{Store, StoreError};

type Answer = oneshot::Sender<Result<(), StoreError>>;

#[derive(Default)]
struct Groups {
    /// Events waiting for the next group, each with who waits for it.
    pending: Mutex<Vec<(NewAccessEvent, DateTime<Utc>, Answer)>>,
    /// Held while a group is written: the next one forms meanwhile.
    writing: tokio::sync::Mutex<()>,
}

impl Store {
    /// Records `event`, a read by support, at `now`, in the next group; returns once it
    /// is stored.
    pub async fn record_read(
        &self,
        event: NewAccessEvent,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let groups = self.kept::<Groups>();
        let (answer, answered) = oneshot::channel();
        let first = {
            let mut pending = groups.pending.lock().expect("not poisoned");
            pending.push((event, now, answer));
            pending.len() == 1
        };
        // The event that starts a group starts its writer, a task of its own: a request
        // dropped midway (its client gone) must not take the others' events with it.
        if first {
            let store = self.clone();
            tokio::spawn(async move {
                let _writing = groups.writing.lock().await;
                let group = std::mem::take(&mut *groups.pending.lock().expect("not poisoned"));
                write(&store, group).await;
            });
        }
        answered.await.map_err(|_| StoreError::Query(sqlx::Error::WorkerCrashed))?
    }
}

/// Writes `group` in one transaction; if that fails, each event alone, so that one
/// event's fault is its own request's error only.
async fn write(store: &Store, group: Vec<(NewAccessEvent, DateTime<Utc>, Answer)>) {
    let (events, answers): (Vec<_>, Vec<_>) =
        group.into_iter().map(|(event, at, answer)| ((event, at), answer)).unzip();
    match store.record_access_events(&events).await {
        Ok(()) => {
            for answer in answers {
                let _ = answer.send(Ok(()));
            }
        }
        Err(error) => match <[Answer; 1]>::try_from(answers) {
            // A group of one has its answer: it is not written twice.
            Ok([answer]) => {
                let _ = answer.send(Err(error));
            }
            Err(answers) => {
                for ((event, at), answer) in events.into_iter().zip(answers) {
                    let _ = answer.send(store.record_access_event(event, at).await);
                }
            }
        },
    }
}
