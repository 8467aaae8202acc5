//! Rooms' members read in batches (`db::rosters::RosterLoader`): a crowd of rooms starting
//! at once is answered by a few reads, each room with its own chat's members, and a change
//! made before an ask is in its answer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use natter_server::db::membership::{self, MemberOp};
use natter_server::db::rosters::RosterLoader;
use natter_server::db::users::{Created, NewUser};
use natter_server::db::{self, DbPool};
use natter_server::error::ApiError;
use natter_shared::UserId;
use natter_tests::{TestDatabase, db_url};
use uuid::Uuid;

fn user(pool: &DbPool, name: &str) -> Uuid {
    let mut conn = pool.get().unwrap();
    let id = Uuid::new_v4();
    let name = format!("{name}{}", &id.simple().to_string()[..6]);
    let new = NewUser {
        id,
        username: &name,
        display_name: None,
        password_hash: "x",
    };
    match db::users::insert(&mut conn, &new).unwrap() {
        Created::New(row) => row.id,
        Created::UsernameTaken => panic!("taken"),
    }
}

fn pool() -> (TestDatabase, DbPool) {
    let db = TestDatabase::create();
    let pool = db::pool::connect(&db_url(&db.name), 4, 0).unwrap();
    db::pool::migrate(&pool).unwrap();
    (db, pool)
}

fn ids(roster: &natter_server::db::rosters::Roster) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = roster.members.iter().map(|m| m.0.0).collect();
    ids.sort();
    ids
}

#[actix_web::test]
async fn rooms_starting_together_are_answered_by_one_read_each_with_its_own_members() {
    let (_db, pool) = pool();
    // 300 direct chats, each between two users of its own, and one group of three
    let mut chats = Vec::new();
    for i in 0..300 {
        let (a, b) = (user(&pool, &format!("a{i}")), user(&pool, &format!("b{i}")));
        let mut conn = pool.get().unwrap();
        let (chat, _) = db::chats::open_direct(&mut conn, a, b).unwrap();
        let mut both = vec![a, b];
        both.sort();
        chats.push((chat.id, both));
    }
    let (owner, bob, carol) = (
        user(&pool, "owner"),
        user(&pool, "bob"),
        user(&pool, "carol"),
    );
    let group = {
        let mut conn = pool.get().unwrap();
        db::chats::create_group(&mut conn, owner, "club", &[bob, carol])
            .unwrap()
            .id
    };
    let unknown = Uuid::new_v4();

    let loader = RosterLoader::new(pool.clone());
    // every ask is made before any read runs (one task): as a server's rooms after start
    let asks = chats
        .iter()
        .map(|(chat, _)| *chat)
        .chain([group, unknown, chats[0].0]);
    let answers = futures_util::future::join_all(asks.map(|chat| loader.load(chat))).await;

    // a read for the first ask, one for everything asked meanwhile; never one per room
    assert!(loader.reads() <= 2, "{} reads for 303 asks", loader.reads());
    for ((_, members), answer) in chats.iter().zip(&answers) {
        let roster = answer.as_ref().unwrap().as_ref().unwrap();
        assert_eq!(&ids(roster), members);
    }
    let club = answers[300].as_ref().unwrap().as_ref().unwrap();
    let mut three = vec![owner, bob, carol];
    three.sort();
    assert_eq!(ids(club), three);
    assert!(answers[301].as_ref().unwrap().is_none(), "no such chat");
    // the same chat asked twice gets the same members twice
    assert_eq!(
        ids(answers[302].as_ref().unwrap().as_ref().unwrap()),
        chats[0].1
    );

    // a change made before an ask is in its answer (a room that forgot its members after a
    // change must not get them as they were)
    {
        let mut conn = pool.get().unwrap();
        membership::apply(&mut conn, group, owner, &MemberOp::Remove { target: bob })
            .unwrap()
            .unwrap();
    }
    let after = loader.load(group).await.unwrap().unwrap();
    assert!(after.version > club.version);
    assert!(!after.members.iter().any(|m| m.0 == UserId(bob)));
    assert_eq!(after.members.len(), 2);
}

#[actix_web::test]
async fn asks_get_a_503_when_postgresql_cannot_be_reached_and_none_waits_for_ever() {
    // a pool to a port nothing listens on: built lazily, every checkout times out
    let pool = diesel::r2d2::Pool::builder()
        .max_size(1)
        .min_idle(Some(0))
        .connection_timeout(std::time::Duration::from_millis(200))
        .build_unchecked(diesel::r2d2::ConnectionManager::new(
            "postgres://postgres@127.0.0.1:1/none",
        ));
    let loader = RosterLoader::new(pool);
    let answers = futures_util::future::join_all((0..5).map(|_| loader.load(Uuid::new_v4()))).await;
    for answer in answers {
        assert!(
            matches!(answer, Err(ApiError::Unavailable(_))),
            "{answer:?}"
        );
    }
    // and the loader still answers later asks (its readers gave their slots back)
    let again = loader.load(Uuid::new_v4()).await;
    assert!(matches!(again, Err(ApiError::Unavailable(_))), "{again:?}");
}

/// A reader whose task is dropped before it ever ran (its runtime stopping) gives its slot
/// back: asks made later are still read, where two such losses used to leave every later
/// ask waiting for ever.
#[test]
fn readers_dropped_before_they_ran_give_their_slots_back() {
    let (_db, pool) = pool();
    let loader = RosterLoader::new(pool);
    for _ in 0..3 {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // one poll of the ask, then the runtime stops: the ask is queued and its reader
        // spawned, and block_on returns before running any spawned task
        let asked = runtime
            .block_on(async { futures_util::FutureExt::now_or_never(loader.load(Uuid::new_v4())) });
        assert!(asked.is_none(), "answered without a read: {asked:?}");
        drop(runtime);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answer = runtime
        .block_on(async {
            tokio::time::timeout(
                std::time::Duration::from_secs(10),
                loader.load(Uuid::new_v4()),
            )
            .await
        })
        .expect("a later ask is read");
    assert!(answer.unwrap().is_none(), "no such chat");
}
