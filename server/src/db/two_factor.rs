//! The `two_factor`, `recovery_codes` and `login_tickets` tables: a user's TOTP secret
//! (encrypted), the time step last accepted, single-use recovery codes and the one-use
//! tickets of a two-factor sign-in.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{login_tickets, recovery_codes, two_factor};

/// Wrong codes one ticket takes before it is spent.
pub const TICKET_MAX_FAILURES: i32 = 5;

/// A row of `two_factor`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = two_factor)]
pub struct TwoFactorRow {
    pub user_id: Uuid,
    pub secret_encrypted: Vec<u8>,
    pub enabled_at: Option<DateTime<Utc>>,
    pub last_step: Option<i64>,
    pub created_at: DateTime<Utc>,
}

pub fn find(conn: &mut PgConnection, user: Uuid) -> QueryResult<Option<TwoFactorRow>> {
    two_factor::table
        .find(user)
        .select(TwoFactorRow::as_select())
        .first(conn)
        .optional()
}

/// Whether two-factor authentication is on for `user`.
pub fn is_enabled(conn: &mut PgConnection, user: Uuid) -> QueryResult<bool> {
    Ok(find(conn, user)?.is_some_and(|r| r.enabled_at.is_some()))
}

/// Stores a new, unconfirmed secret (replacing an unconfirmed one); false when two-factor
/// authentication is already on (its secret stays).
pub fn begin_setup(conn: &mut PgConnection, user: Uuid, sealed: &[u8]) -> QueryResult<bool> {
    conn.transaction(|conn| {
        let enabled: Option<Option<DateTime<Utc>>> = two_factor::table
            .find(user)
            .select(two_factor::enabled_at)
            .for_update()
            .first(conn)
            .optional()?;
        if enabled.flatten().is_some() {
            return Ok(false);
        }
        diesel::insert_into(two_factor::table)
            .values((
                two_factor::user_id.eq(user),
                two_factor::secret_encrypted.eq(sealed),
            ))
            .on_conflict(two_factor::user_id)
            .do_update()
            .set((
                two_factor::secret_encrypted.eq(sealed),
                two_factor::last_step.eq(None::<i64>),
                two_factor::created_at.eq(diesel::dsl::now),
            ))
            .execute(conn)?;
        Ok(true)
    })
}

/// Takes time step `step` as used, atomically: false when it (or a later one) was accepted
/// before, so a code works once.
pub fn accept_step(conn: &mut PgConnection, user: Uuid, step: i64) -> QueryResult<bool> {
    let n = diesel::update(
        two_factor::table.find(user).filter(
            two_factor::last_step
                .is_null()
                .or(two_factor::last_step.lt(step)),
        ),
    )
    .set(two_factor::last_step.eq(step))
    .execute(conn)?;
    Ok(n == 1)
}

/// Turns the confirmed set-up on with `step` as its first used step and `code_hashes` as
/// its recovery codes; false when it was on already or the step was used.
pub fn enable(
    conn: &mut PgConnection,
    user: Uuid,
    step: i64,
    code_hashes: &[Vec<u8>],
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    conn.transaction(|conn| {
        let n = diesel::update(
            two_factor::table
                .find(user)
                .filter(two_factor::enabled_at.is_null())
                .filter(
                    two_factor::last_step
                        .is_null()
                        .or(two_factor::last_step.lt(step)),
                ),
        )
        .set((
            two_factor::enabled_at.eq(now),
            two_factor::last_step.eq(step),
        ))
        .execute(conn)?;
        if n != 1 {
            return Ok(false);
        }
        replace_recovery_codes(conn, user, code_hashes)?;
        Ok(true)
    })
}

/// Turns two-factor authentication off: the secret and the recovery codes are deleted.
pub fn disable(conn: &mut PgConnection, user: Uuid) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::delete(two_factor::table.find(user)).execute(conn)?;
        diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user)))
            .execute(conn)?;
        diesel::delete(login_tickets::table.filter(login_tickets::user_id.eq(user)))
            .execute(conn)?;
        Ok(())
    })
}

/// Replaces every recovery code of `user` (used or not) with `code_hashes`.
pub fn replace_recovery_codes(
    conn: &mut PgConnection,
    user: Uuid,
    code_hashes: &[Vec<u8>],
) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user)))
            .execute(conn)?;
        let rows: Vec<_> = code_hashes
            .iter()
            .map(|h| {
                (
                    recovery_codes::user_id.eq(user),
                    recovery_codes::code_hash.eq(h),
                )
            })
            .collect();
        diesel::insert_into(recovery_codes::table)
            .values(&rows)
            .execute(conn)?;
        Ok(())
    })
}

/// Spends the recovery code with hash `hash`; false when it is not one of `user`'s or was
/// used already.
pub fn use_recovery_code(
    conn: &mut PgConnection,
    user: Uuid,
    hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let n = diesel::update(
        recovery_codes::table
            .find((user, hash))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Recovery codes of `user` not used yet.
pub fn recovery_codes_left(conn: &mut PgConnection, user: Uuid) -> QueryResult<i64> {
    recovery_codes::table
        .filter(recovery_codes::user_id.eq(user))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
}

/// A row of `login_tickets`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = login_tickets)]
pub struct TicketRow {
    pub ticket_hash: Vec<u8>,
    pub user_id: Uuid,
    pub device_name: String,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub failed_attempts: i32,
}

/// Stores a new ticket (and drops `user`'s expired ones).
pub fn insert_ticket(
    conn: &mut PgConnection,
    hash: &[u8],
    user: Uuid,
    device_name: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::delete(
        login_tickets::table
            .filter(login_tickets::user_id.eq(user))
            .filter(login_tickets::expires_at.lt(now)),
    )
    .execute(conn)?;
    diesel::insert_into(login_tickets::table)
        .values((
            login_tickets::ticket_hash.eq(hash),
            login_tickets::user_id.eq(user),
            login_tickets::device_name.eq(device_name),
            login_tickets::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The ticket with hash `hash` if it can still be used at `now`: not used, not expired, not
/// spent by wrong codes.
pub fn open_ticket(
    conn: &mut PgConnection,
    hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<Option<TicketRow>> {
    login_tickets::table
        .find(hash)
        .filter(login_tickets::used_at.is_null())
        .filter(login_tickets::expires_at.gt(now))
        .filter(login_tickets::failed_attempts.lt(TICKET_MAX_FAILURES))
        .select(TicketRow::as_select())
        .first(conn)
        .optional()
}

/// Counts a wrong code against the ticket.
pub fn ticket_failed(conn: &mut PgConnection, hash: &[u8]) -> QueryResult<()> {
    diesel::update(login_tickets::table.find(hash))
        .set(login_tickets::failed_attempts.eq(login_tickets::failed_attempts + 1))
        .execute(conn)?;
    Ok(())
}

/// Spends the ticket; false when another request spent it first.
pub fn spend_ticket(conn: &mut PgConnection, hash: &[u8], now: DateTime<Utc>) -> QueryResult<bool> {
    let n = diesel::update(
        login_tickets::table
            .find(hash)
            .filter(login_tickets::used_at.is_null()),
    )
    .set(login_tickets::used_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}
