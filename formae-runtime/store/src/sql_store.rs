//! [`SqlStore`]: the one state store, over any SQL backend.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value as Json;

use super::error::StoreError;
use super::location::StateLocation;
use super::lock::{lease_ms, new_lock_id, Holder, LockInfo};
use super::sql::{Cell, Param, Sql, SqlError, Step};
use super::StateStore;
use crate::state::{PendingOp, RecordedProps, RecordedResource, ResourceStatus, StackState};

/// What a resource's `lifecycle` column holds; NULL is the default.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
struct RecordedLifecycle {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    protected: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    region: Option<String>,
}

/// A state store over any [`Sql`] backend.
pub struct SqlStore<B> {
    pub(super) backend: B,
}

impl<B: Sql> std::fmt::Debug for SqlStore<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SqlStore({})", self.backend.describe())
    }
}

fn status_text(s: ResourceStatus) -> &'static str {
    match s {
        ResourceStatus::Ready => "ready",
        ResourceStatus::Failed => "failed",
    }
}

impl<B: Sql> SqlStore<B> {
    /// A store over `backend`, migrated to this build's schema (a newer one is refused).
    pub async fn new(backend: B) -> Result<Self, StoreError> {
        let store = SqlStore { backend };
        store.migrate().await?;
        Ok(store)
    }

    /// The backend, for tests and tools that need raw SQL.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    pub(super) fn err(&self, e: SqlError) -> StoreError {
        StoreError::Backend { store: self.backend.describe(), source: e }
    }

    fn corrupt(&self, resource: &str, message: impl ToString) -> StoreError {
        StoreError::Corrupt { store: self.backend.describe(), resource: resource.to_owned(), message: message.to_string() }
    }

    /// `s` with the clock and table placeholders filled for this dialect.
    fn sql(&self, s: &str) -> String {
        self.backend.dialect().fill(s)
    }

    /// Two text columns of the rows `sql` selects for `key`.
    async fn pairs(&self, sql: &str, key: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows = self.backend.query(&self.sql(sql), vec![Param::Text(key.to_owned())]).await.map_err(|e| self.err(e))?;
        Ok(rows
            .iter()
            .map(|r| {
                let get = |i: usize| r.get(i).and_then(Cell::text).unwrap_or_default();
                (get(0), get(1))
            })
            .collect())
    }

    fn resource_params(stack: &str, name: &str, r: &RecordedResource) -> Vec<Param> {
        vec![
            Param::Text(stack.to_owned()),
            Param::Text(name.to_owned()),
            Param::Text(r.type_name.clone()),
            Param::Text(r.cloud_id.clone()),
            Param::Text(r.props.to_string()),
            Param::Text(serde_json::to_string(&r.outputs).unwrap_or_default()),
            Param::Text(serde_json::to_string(&r.deps).unwrap_or_default()),
            Param::Text(status_text(r.status).to_owned()),
            if r.protected || r.region.is_some() {
                let lifecycle = RecordedLifecycle { protected: r.protected, region: r.region.clone() };
                Param::Text(serde_json::to_string(&lifecycle).unwrap_or_default())
            } else {
                Param::Null
            },
        ]
    }

    fn upsert_resource(&self) -> String {
        self.sql(
            "INSERT INTO {resources} (stack, name, type, cloud_id, props, outputs, deps, status, lifecycle, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, {now_text})
             ON CONFLICT (stack, name) DO UPDATE SET type = excluded.type, cloud_id = excluded.cloud_id,
               props = excluded.props, outputs = excluded.outputs, deps = excluded.deps,
               status = excluded.status, lifecycle = excluded.lifecycle, updated_at = excluded.updated_at",
        )
    }

    fn upsert_outputs(&self, stack: &str, outputs: &BTreeMap<String, Json>) -> Step {
        Step::One(
            self.sql(
                "INSERT INTO {stack_outputs} (stack, outputs, updated_at) VALUES ($1, $2, {now_text})
                 ON CONFLICT (stack) DO UPDATE SET outputs = excluded.outputs, updated_at = excluded.updated_at",
            ),
            vec![Param::Text(stack.to_owned()), Param::Text(serde_json::to_string(outputs).unwrap_or_default())],
        )
    }

    fn pending_params(&self, stack: &str, name: &str, p: &PendingOp) -> Vec<Param> {
        vec![
            Param::Text(stack.to_owned()),
            Param::Text(name.to_owned()),
            Param::Text(p.op.to_string()),
            Param::Text(p.type_name.clone()),
            p.cloud_id.clone().map_or(Param::Null, Param::Text),
            Param::Text(p.identity.to_string()),
            Param::Text(p.started_at.clone()),
            p.client_token.clone().map_or(Param::Null, Param::Text),
        ]
    }

    fn upsert_pending(&self) -> String {
        self.sql(
            "INSERT INTO {pending} (stack, name, op, type, cloud_id, identity, started_at, client_token)
             VALUES ($1, $2, $3, $4, $5, $6, COALESCE(NULLIF($7, ''), {now_text}), $8)
             ON CONFLICT (stack, name) DO UPDATE SET op = excluded.op, type = excluded.type,
               cloud_id = excluded.cloud_id, identity = excluded.identity, started_at = excluded.started_at,
               client_token = excluded.client_token",
        )
    }

    fn delete_pending(&self, stack: &str, name: &str) -> Step {
        Step::One(self.sql("DELETE FROM {pending} WHERE stack = $1 AND name = $2"), vec![Param::Text(stack.into()), Param::Text(name.into())])
    }

    /// Hands every page of a query's rows to `each`, read in pages keyed on `name` (each
    /// page let go before the next is read), halving a page the backend cannot return at
    /// once. `each` is told whether more pages may follow (the page is full).
    async fn paged(&self, sql: &str, stack: &str, mut each: impl FnMut(Vec<Vec<Cell>>, bool) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let sql = self.sql(sql);
        let mut after = String::new();
        let mut page = self.backend.page_rows();
        loop {
            let params = vec![Param::Text(stack.to_owned()), Param::Text(after.clone()), Param::Int(page)];
            let rows = match self.backend.query(&sql, params).await {
                Ok(rows) => rows,
                Err(SqlError::TooLarge(m)) if page > 1 => {
                    tracing::debug!(page, message = %m, "page too large; halving");
                    page /= 2;
                    continue;
                }
                Err(e) => return Err(self.err(e)),
            };
            let full = i64::try_from(rows.len()).unwrap_or(0) >= page;
            if let Some(last) = rows.last().and_then(|r| r.first()).and_then(Cell::text) {
                after = last;
            }
            each(rows, full)?;
            if !full {
                return Ok(());
            }
        }
    }

    async fn read_lock(&self, stack: &str) -> Result<Option<LockInfo>, StoreError> {
        let rows = self
            .backend
            .query(&self.sql("SELECT lock_id, holder, acquired_ms, expires_ms, {now} FROM {locks} WHERE stack = $1"), vec![Param::Text(stack.to_owned())])
            .await
            .map_err(|e| self.err(e))?;
        let Some(r) = rows.first() else { return Ok(None) };
        let holder = r.get(1).and_then(Cell::text).unwrap_or_default();
        Ok(Some(LockInfo {
            id: r.first().and_then(Cell::text).unwrap_or_default(),
            holder: serde_json::from_str(&holder).map_err(|e| self.corrupt("(lock)", e))?,
            acquired_ms: r.get(2).and_then(Cell::int).unwrap_or(0),
            expires_ms: r.get(3).and_then(Cell::int).unwrap_or(0),
            now_ms: r.get(4).and_then(Cell::int).unwrap_or(0),
        }))
    }
}

#[async_trait]
impl<B: Sql> StateStore for SqlStore<B> {
    fn describe(&self) -> String {
        self.backend.describe()
    }

    fn location(&self) -> StateLocation {
        self.backend.location()
    }

    async fn load(&self, stack: &str) -> Result<StackState, StoreError> {
        // Rows come in name order, so the map is built in one pass at the end. Once a page
        // comes back full (more follow), records are made on a thread of their own while
        // the next page is read; what a record does not keep goes back with its page, to be
        // freed here, where it was read.
        let store = self.backend.describe();
        let make = move |mut page: Vec<Vec<Cell>>| (page.iter_mut().map(|row| recorded(&store, row)).collect::<Vec<_>>(), page);
        let mut last = None;
        let mut alongside: Option<formae_core::parallel::Alongside<_, _, _>> = None;
        self.paged(
            "SELECT name, type, cloud_id, props, outputs, deps, status, lifecycle FROM {resources}
             WHERE stack = $1 AND name > $2 ORDER BY name LIMIT $3",
            stack,
            |page, full| {
                // The last page, which the thread would start only after every other, is
                // made here meanwhile.
                match full {
                    true => alongside.get_or_insert_with(|| formae_core::parallel::Alongside::start(make.clone())).send(page),
                    false => last = Some(make.clone()(page)),
                }
                Ok(())
            },
        )
        .await?;
        // Every page is read; this waits for the records still being made.
        let mut made = alongside.map(formae_core::parallel::Alongside::finish).unwrap_or_default();
        made.extend(last);
        let mut resources = Vec::with_capacity(made.iter().map(|(records, _)| records.len()).sum());
        for (records, _read) in made {
            for record in records {
                resources.push(record?);
            }
        }
        let mut state = StackState::empty(stack);
        state.resources = resources.into_iter().collect();
        let mut pending = Vec::new();
        self.paged(
            "SELECT name, op, type, cloud_id, identity, started_at, client_token FROM {pending}
             WHERE stack = $1 AND name > $2 ORDER BY name LIMIT $3",
            stack,
            |rows, _| {
                for row in rows {
                    let mut cells = row.into_iter().map(Cell::into_text);
                    let mut next = || cells.next().flatten();
                    let name = next().unwrap_or_default();
                    let op = PendingOp {
                        op: next().unwrap_or_default().parse().map_err(|e: String| self.corrupt(&name, e))?,
                        type_name: next().unwrap_or_default(),
                        cloud_id: next(),
                        identity: serde_json::from_str(&next().unwrap_or_default()).map_err(|e| self.corrupt(&name, e))?,
                        started_at: next().unwrap_or_default(),
                        client_token: next(),
                    };
                    pending.push((name, op));
                }
                Ok(())
            },
        )
        .await?;
        state.pending = pending.into_iter().collect();
        let outputs = self
            .backend
            .query(&self.sql("SELECT outputs FROM {stack_outputs} WHERE stack = $1"), vec![Param::Text(stack.to_owned())])
            .await
            .map_err(|e| self.err(e))?;
        if let Some(o) = outputs.first().and_then(|r| r.first()).and_then(Cell::text) {
            state.outputs = serde_json::from_str(&o).map_err(|e| self.corrupt("(stack outputs)", e))?;
        }
        Ok(state)
    }

    async fn put_resource(&self, stack: &str, name: &str, r: &RecordedResource) -> Result<(), StoreError> {
        let steps = vec![Step::One(self.upsert_resource(), Self::resource_params(stack, name, r)), self.delete_pending(stack, name)];
        self.backend.atomically(steps).await.map_err(|e| self.err(e))
    }

    async fn remove_resource(&self, stack: &str, name: &str) -> Result<(), StoreError> {
        let steps = vec![
            Step::One(self.sql("DELETE FROM {resources} WHERE stack = $1 AND name = $2"), vec![Param::Text(stack.into()), Param::Text(name.into())]),
            self.delete_pending(stack, name),
        ];
        self.backend.atomically(steps).await.map_err(|e| self.err(e))
    }

    async fn move_resource(&self, stack: &str, from: &str, to: &str, resource: Option<&RecordedResource>) -> Result<(), StoreError> {
        let (s, f, t) = (Param::Text(stack.into()), Param::Text(from.into()), Param::Text(to.into()));
        let mut steps = vec![
            Step::One(self.sql("DELETE FROM {resources} WHERE stack = $1 AND name = $2"), vec![s.clone(), t.clone()]),
            Step::One(self.sql("UPDATE {resources} SET name = $3 WHERE stack = $1 AND name = $2"), vec![s.clone(), f.clone(), t]),
            self.delete_pending(stack, from),
        ];
        if let Some(r) = resource {
            steps.push(Step::One(self.upsert_resource(), Self::resource_params(stack, to, r)));
            steps.push(self.delete_pending(stack, to));
        }
        self.backend.atomically(steps).await.map_err(|e| self.err(e))
    }

    async fn put_reads(&self, reader: &str, reads: &[(String, String)]) -> Result<(), StoreError> {
        let rows = reads.iter().map(|(stack, output)| vec![Param::Text(stack.clone()), Param::Text(output.clone()), Param::Text(reader.to_owned())]).collect();
        let steps = vec![
            Step::One(self.sql("DELETE FROM {stack_readers} WHERE reader = $1"), vec![Param::Text(reader.to_owned())]),
            Step::Many(self.sql("INSERT INTO {stack_readers} (stack, output, reader) VALUES ($1, $2, $3)"), rows),
        ];
        self.backend.atomically(steps).await.map_err(|e| self.err(e))
    }

    async fn reads(&self, reader: &str) -> Result<Vec<(String, String)>, StoreError> {
        self.pairs("SELECT stack, output FROM {stack_readers} WHERE reader = $1 ORDER BY stack, output", reader).await
    }

    async fn readers(&self, stack: &str) -> Result<Vec<(String, String)>, StoreError> {
        self.pairs("SELECT output, reader FROM {stack_readers} WHERE stack = $1 ORDER BY output, reader", stack).await
    }

    async fn put_pending(&self, stack: &str, name: &str, op: &PendingOp) -> Result<(), StoreError> {
        self.backend.execute(&self.upsert_pending(), self.pending_params(stack, name, op)).await.map(|_| ()).map_err(|e| self.err(e))
    }

    async fn clear_pending(&self, stack: &str, name: &str) -> Result<(), StoreError> {
        self.backend.atomically(vec![self.delete_pending(stack, name)]).await.map_err(|e| self.err(e))
    }

    async fn put_outputs(&self, stack: &str, outputs: &BTreeMap<String, Json>) -> Result<(), StoreError> {
        self.backend.atomically(vec![self.upsert_outputs(stack, outputs)]).await.map_err(|e| self.err(e))
    }

    async fn put_state(&self, state: &StackState) -> Result<(), StoreError> {
        let stack = Param::Text(state.stack.clone());
        let resources = state.resources.iter().map(|(n, r)| Self::resource_params(&state.stack, n, r)).collect();
        let pending = state.pending.iter().map(|(n, p)| self.pending_params(&state.stack, n, p)).collect();
        let steps = vec![
            Step::One(self.sql("DELETE FROM {resources} WHERE stack = $1"), vec![stack.clone()]),
            Step::One(self.sql("DELETE FROM {pending} WHERE stack = $1"), vec![stack]),
            Step::Many(self.upsert_resource(), resources),
            Step::Many(self.upsert_pending(), pending),
            self.upsert_outputs(&state.stack, &state.outputs),
        ];
        self.backend.atomically(steps).await.map_err(|e| self.err(e))
    }

    async fn lock(&self, stack: &str, holder: &Holder, lease: Duration) -> Result<LockInfo, StoreError> {
        let id = new_lock_id();
        let sql = self.sql(
            "INSERT INTO {locks} AS held (stack, lock_id, holder, acquired_ms, expires_ms) VALUES ($1, $2, $3, {now}, {now} + $4)
             ON CONFLICT (stack) DO UPDATE SET lock_id = excluded.lock_id, holder = excluded.holder,
               acquired_ms = excluded.acquired_ms, expires_ms = excluded.expires_ms
             WHERE held.expires_ms < {now}",
        );
        let holder_json = serde_json::to_string(holder).unwrap_or_default();
        let params = vec![Param::Text(stack.into()), Param::Text(id.clone()), Param::Text(holder_json), Param::Int(lease_ms(lease))];
        self.backend.execute(&sql, params).await.map_err(|e| self.err(e))?;
        match self.read_lock(stack).await? {
            Some(info) if info.id == id => {
                tracing::debug!(stack, %holder, "lock taken");
                Ok(info)
            }
            Some(info) => Err(info.refusal(stack)),
            // Removed by force between the two statements: try once more from the top.
            None => Err(StoreError::LockLost { stack: stack.to_owned() }),
        }
    }

    async fn renew(&self, stack: &str, id: &str, lease: Duration) -> Result<(), StoreError> {
        let n = self
            .backend
            .execute(
                &self.sql("UPDATE {locks} SET expires_ms = {now} + $3 WHERE stack = $1 AND lock_id = $2"),
                vec![Param::Text(stack.into()), Param::Text(id.into()), Param::Int(lease_ms(lease))],
            )
            .await
            .map_err(|e| self.err(e))?;
        if n == 0 {
            return Err(StoreError::LockLost { stack: stack.to_owned() });
        }
        Ok(())
    }

    async fn unlock(&self, stack: &str, id: &str) -> Result<(), StoreError> {
        self.backend
            .execute(&self.sql("DELETE FROM {locks} WHERE stack = $1 AND lock_id = $2"), vec![Param::Text(stack.into()), Param::Text(id.into())])
            .await
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    async fn force_unlock(&self, stack: &str) -> Result<Option<LockInfo>, StoreError> {
        let held = self.read_lock(stack).await?;
        self.backend.execute(&self.sql("DELETE FROM {locks} WHERE stack = $1"), vec![Param::Text(stack.into())]).await.map_err(|e| self.err(e))?;
        Ok(held)
    }

    async fn lock_info(&self, stack: &str) -> Result<Option<LockInfo>, StoreError> {
        self.read_lock(stack).await
    }
}

/// One row of the resources table of the store `store` as its record; the texts it keeps
/// are taken from the row.
fn recorded(store: &str, row: &mut [Cell]) -> Result<(String, RecordedResource), StoreError> {
let corrupt = |resource: &str, message: &dyn std::fmt::Display| StoreError::Corrupt { store: store.to_owned(), resource: resource.to_owned(), message: message.to_string() };
    let mut take = |i: usize| row.get_mut(i).map(std::mem::take).and_then(Cell::into_text);
    let (name, type_name, cloud_id, props) = (take(0).unwrap_or_default(), take(1).unwrap_or_default(), take(2).unwrap_or_default(), take(3).unwrap_or_default());
    let text = |i: usize| match row.get(i) {
        Some(Cell::Text(t)) => Some(t.as_str()),
        _ => None,
    };
    let status = match text(6).unwrap_or_default() {
        "ready" => ResourceStatus::Ready,
        "failed" => ResourceStatus::Failed,
        other => return Err(corrupt(&name, &format!("unknown status `{other}`"))),
    };
    let lifecycle: RecordedLifecycle = match text(7) {
        Some(text) => serde_json::from_str(text).map_err(|e| corrupt(&name, &e))?,
        None => RecordedLifecycle::default(),
    };
    let rec = RecordedResource {
        type_name,
        cloud_id,
        props: RecordedProps::from_stored_text(props).map_err(|e| corrupt(&name, &e))?,
        outputs: serde_json::from_str(text(4).unwrap_or_default()).map_err(|e| corrupt(&name, &e))?,
        deps: serde_json::from_str(text(5).unwrap_or_default()).map_err(|e| corrupt(&name, &e))?,
        status,
        protected: lifecycle.protected,
        region: lifecycle.region,
    };
    Ok((name, rec))
}
