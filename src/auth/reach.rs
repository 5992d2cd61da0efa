//! The object a request's path names (`{id}`), checked against the caller's
//! reach (SPEC 10) before the handler runs: [`InReach<Plan>`] for reading,
//! [`InReach<Plan, ToChange>`] for changing. An object outside reach is a
//! 404 whether it exists or not; one the caller reads but may not change is
//! a 403. Handlers get the id only through this, after the caller's role
//! extractor (which must come first among the handler's arguments).

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use super::Caller;
use crate::error::AppError;
use crate::store::reach::{self, Access, Kind, Owner, Verdict};
use crate::store::{self, DbPool};

/// A kind of object a path may name.
pub trait Object {
    const KIND: Kind;
}

/// What the handler does with the object.
pub trait Intent {
    const ACCESS: Access;
}

/// The handler reads the object.
pub struct ToRead;
/// The handler changes the object (or what is in it).
pub struct ToChange;

impl Intent for ToRead {
    const ACCESS: Access = Access::Read;
}
impl Intent for ToChange {
    const ACCESS: Access = Access::Change;
}

macro_rules! objects {
    ($($(#[$meta:meta])* $name:ident = $kind:ident;)+) => {
        $(
            $(#[$meta])*
            pub struct $name;
            impl Object for $name {
                const KIND: Kind = Kind::$kind;
            }
        )+
    };
}

objects! {
    /// An office of the caller's subtree.
    Office = Office;
    /// An account of the caller's subtree.
    User = User;
    /// A webhook endpoint of the caller's subtree.
    WebhookEndpoint = WebhookEndpoint;
    /// An instructor of the caller's pool (to change: kept by its subtree).
    Instructor = Instructor;
    /// A plan of the caller's subtree (to change: of its own office).
    Plan = Plan;
    /// A class of such a plan.
    Class = Class;
    /// A session of such a plan.
    Session = Session;
    /// A staffing run of such a plan.
    StaffingRun = StaffingRun;
    /// An assignment of such a plan.
    Assignment = Assignment;
    /// An exclusion of such a plan.
    Exclusion = Exclusion;
}

/// The path's `{id}`, naming an `O` the caller may read (or change, with
/// [`ToChange`]).
pub struct InReach<O: Object, I: Intent = ToRead> {
    id: String,
    owner: Owner,
    _kind: PhantomData<(O, I)>,
}

impl<O: Object, I: Intent> InReach<O, I> {
    /// The object's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The office the object belongs to (a plan's office for what is in a
    /// plan; an instructor's owner).
    pub fn office(&self) -> &str {
        self.owner.office()
    }
}

/// Whether `caller` may do `access` to object `id` of `kind`.
pub fn check(
    conn: &mut store::Db,
    caller: &Caller,
    kind: Kind,
    id: &str,
    access: Access,
) -> Result<Owner, AppError> {
    let hidden = || AppError::NotFound(format!("no {} {id}", kind.noun()));
    let owner = reach::locate(conn, kind, id)?.ok_or_else(hidden)?;
    if kind == Kind::Instructor && caller.instructor_id.as_deref() == Some(id) {
        return Ok(owner);
    }
    match owner.allows(conn, &caller.office_id, access)? {
        Verdict::Allowed => Ok(owner),
        Verdict::Hidden => Err(hidden()),
        Verdict::ReadOnly => Err(AppError::Forbidden(format!(
            "{} {id} belongs to another office: yours may read it, only its own may change it",
            kind.noun()
        ))),
    }
}

impl<O: Object + 'static, I: Intent + 'static> FromRequest for InReach<O, I> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let caller = req.extensions().get::<Caller>().cloned();
        let id = req.match_info().get("id").map(str::to_owned);
        let pool = req.app_data::<web::Data<DbPool>>().cloned();
        Box::pin(async move {
            let (Some(caller), Some(id), Some(pool)) = (caller, id, pool) else {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "InReach needs the caller's extractor before it, an {{id}} in the path and \
                     the database pool"
                )));
            };
            let owner = store::run(&pool, move |conn| {
                let owner = check(conn, &caller, O::KIND, &id, I::ACCESS)?;
                Ok((id, owner))
            })
            .await?;
            Ok(Self {
                id: owner.0,
                owner: owner.1,
                _kind: PhantomData,
            })
        })
    }
}
