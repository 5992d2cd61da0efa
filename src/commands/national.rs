//! `faculty-pool national`: a national data set for load tests, loaded
//! through the store code: the tree of offices at its real sizes (the
//! bureau, 31 provinces, about 330 cities and 2,800 counties), about
//! 100,000 instructors kept across the tiers (the bureau's experts
//! `everyone`, provincial and municipal pools `shared`, some `own`, county
//! cadres), a plan for every office with its sessions crowded into the
//! spring and autumn terms, and a planner account for every office.

use std::time::Instant;

use chrono::{Duration as Days, FixedOffset, NaiveDate, TimeZone};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use solver::synthetic::{COMPREHENSIVE, DOMAINS, SPECIALISED};

use crate::auth::password;
use crate::store::instructors::{ExpertiseInput, InstructorInput};
use crate::store::offices::{OfficeChange, OfficeInput};
use crate::store::plans::{ClassInput, PlanInput, SessionInput, TopicRequirementInput};
use crate::store::{self, instructors, offices, plans, users, Db};
use crate::vocabulary::{ClassKind, InstructorKind, OfficeTier, Role, Tier, Visibility};

/// Sessions of a class: five days, morning and afternoon.
const SESSIONS_PER_CLASS: usize = 10;
/// Experts of the bureau's national register, in these hubs.
const NATIONAL_EXPERTS: usize = 800;
const HUBS: [(&str, f64, f64); 4] = [
    ("北京", 39.90, 116.40),
    ("上海", 31.23, 121.47),
    ("武汉", 30.59, 114.30),
    ("成都", 30.57, 104.07),
];

/// The size of the data set.
#[derive(Debug, Clone, clap::Args)]
pub struct NationalArgs {
    /// The database: a PostgreSQL URL (or an SQLite file), migrated here.
    #[arg(long, env = "DATABASE_URL")]
    pub database: String,
    /// Provinces (31 nationwide).
    #[arg(long, default_value_t = 31)]
    pub provinces: usize,
    /// Cities of each province; by default 10 or 11, as the real tree has
    /// on average.
    #[arg(long)]
    pub cities: Option<usize>,
    /// Counties of each city; by default 8 or 9, as the real tree has on
    /// average.
    #[arg(long)]
    pub counties: Option<usize>,
    /// Instructors kept in each province (by the province, its cities and
    /// its counties); the bureau keeps 800 more.
    #[arg(long, default_value_t = 3200)]
    pub instructors_per_province: usize,
    /// Sessions of a province's plan; a city's plan has a tenth, a
    /// county's a fiftieth (at least one class of ten).
    #[arg(long, default_value_t = 1000)]
    pub province_sessions: usize,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 11)]
    pub seed: u64,
    /// The password of every account: `admin` (the bureau's) and
    /// `planner-<office id>` for every office.
    #[arg(long, default_value = "national load 2027 planner")]
    pub password: String,
}

/// One office of the generated tree: its id, tier, name (its instructors'
/// organisation and city) and place.
#[derive(Clone)]
struct Place {
    id: String,
    tier: OfficeTier,
    name: String,
    lat: f64,
    lon: f64,
}

/// Builds the data set, printing a progress line per province.
pub fn run(args: &NationalArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let pool = store::open(&args.database, 2)?;
    let conn = &mut *pool.get()?;
    anyhow::ensure!(
        offices::list(conn, offices::ROOT)?.len() == 1,
        "{} has offices already; the national data set needs a fresh database",
        args.database
    );
    let mut rng = StdRng::seed_from_u64(args.seed);
    let hash = password::hash(&args.password)?;
    let rename = OfficeChange {
        name: Some("国家信访局".to_owned()),
        ..OfficeChange::default()
    };
    offices::update(conn, offices::ROOT, offices::ROOT, &rename)?;
    account(conn, &hash, "admin", Role::Admin, offices::ROOT)?;
    let bureau = Place {
        id: offices::ROOT.to_owned(),
        tier: OfficeTier::National,
        name: "国家信访局".to_owned(),
        lat: HUBS[0].1,
        lon: HUBS[0].2,
    };
    store::write(conn, |conn| -> anyhow::Result<()> {
        for k in 0..NATIONAL_EXPERTS {
            let hub = HUBS[k % HUBS.len()];
            let at = Place {
                lat: hub.1,
                lon: hub.2,
                ..bureau.clone()
            };
            instructor(
                conn,
                &mut rng,
                &at,
                InstructorKind::Expert,
                Visibility::Everyone,
            )?;
        }
        Ok(())
    })?;
    let (mut offices_made, mut sessions) = (1, office_plan(conn, &mut rng, &bureau, args, &hash)?);
    for p in 0..args.provinces {
        let (lat, lon) = (
            24.0 + 16.0 * ((p * 7) % 31) as f64 / 31.0,
            100.0 + 20.0 * ((p * 13) % 31) as f64 / 31.0,
        );
        let province = office(
            conn,
            &format!("第{}省信访局", p + 1),
            OfficeTier::Provincial,
            offices::ROOT,
            (lat, lon),
        )?;
        let cities: Vec<Place> = (0..args.cities.unwrap_or(10 + usize::from(p % 5 < 3)))
            .map(|c| {
                let at = (
                    lat + rng.random_range(-2.0..2.0),
                    lon + rng.random_range(-2.0..2.0),
                );
                office(
                    conn,
                    &format!("第{}省第{}市信访局", p + 1, c + 1),
                    OfficeTier::Municipal,
                    &province.id,
                    at,
                )
            })
            .collect::<anyhow::Result<_>>()?;
        let mut counties = Vec::new();
        for (c, city) in cities.iter().enumerate() {
            for k in 0..args.counties.unwrap_or(8 + usize::from(c % 2 == 0)) {
                let at = (
                    city.lat + rng.random_range(-0.5..0.5),
                    city.lon + rng.random_range(-0.5..0.5),
                );
                let name = format!("第{}省第{}市第{}县信访局", p + 1, c + 1, k + 1);
                counties.push(office(conn, &name, OfficeTier::County, &city.id, at)?);
            }
        }
        // The province keeps 30% (a tenth of them its own), its cities 30%,
        // its counties 40%.
        let n = args.instructors_per_province;
        store::write(conn, |conn| -> anyhow::Result<()> {
            for k in 0..n {
                let (keeper, kind, visibility) = if k < n * 3 / 10 {
                    let visibility = if k % 10 == 0 {
                        Visibility::Own
                    } else {
                        Visibility::Shared
                    };
                    let kind = if k % 3 == 0 {
                        InstructorKind::Expert
                    } else {
                        InstructorKind::Cadre
                    };
                    (&province, kind, visibility)
                } else if k < n * 6 / 10 {
                    let kind = if k % 5 == 0 {
                        InstructorKind::ModelFigure
                    } else {
                        InstructorKind::Cadre
                    };
                    (&cities[k % cities.len()], kind, Visibility::Shared)
                } else {
                    (
                        &counties[k % counties.len()],
                        InstructorKind::Cadre,
                        Visibility::Shared,
                    )
                };
                instructor(conn, &mut rng, keeper, kind, visibility)?;
            }
            Ok(())
        })?;
        for place in std::iter::once(&province).chain(&cities).chain(&counties) {
            sessions += office_plan(conn, &mut rng, place, args, &hash)?;
        }
        offices_made += 1 + cities.len() + counties.len();
        println!(
            "province {}/{}: {offices_made} offices, {} instructors, {sessions} sessions, {:.0} s",
            p + 1,
            args.provinces,
            NATIONAL_EXPERTS + (p + 1) * n,
            started.elapsed().as_secs_f64()
        );
    }
    store::analyze(conn)?;
    println!(
        "National data set: {offices_made} offices, {} instructors, {sessions} sessions in {:.0} s; accounts admin and planner-<office id>, password {:?}",
        NATIONAL_EXPERTS + args.provinces * args.instructors_per_province,
        started.elapsed().as_secs_f64(),
        args.password
    );
    Ok(())
}

fn office(
    conn: &mut Db,
    name: &str,
    tier: OfficeTier,
    parent: &str,
    (lat, lon): (f64, f64),
) -> anyhow::Result<Place> {
    let input = OfficeInput {
        name: name.to_owned(),
        tier,
        parent: Some(parent.to_owned()),
        region: String::new(),
    };
    let made = offices::create(conn, offices::ROOT, &input)?;
    Ok(Place {
        id: made.id,
        tier,
        name: name.to_owned(),
        lat,
        lon,
    })
}

/// Makes an account; returns its id.
fn account(
    conn: &mut Db,
    hash: &str,
    username: &str,
    role: Role,
    office: &str,
) -> anyhow::Result<String> {
    let user = users::create(
        conn,
        &users::NewUser {
            username,
            password_hash: hash,
            role,
            instructor_id: None,
            office,
            within: offices::ROOT,
        },
    )?;
    Ok(user.id)
}

/// An instructor kept by `keeper`, living near it.
fn instructor(
    conn: &mut Db,
    rng: &mut StdRng,
    keeper: &Place,
    kind: InstructorKind,
    visibility: Visibility,
) -> anyhow::Result<()> {
    let topics: Vec<&str> = match kind {
        InstructorKind::Expert => vec![DOMAINS[rng.random_range(0..DOMAINS.len())], "rule-of-law"],
        _ => vec![
            SPECIALISED[rng.random_range(0..SPECIALISED.len())],
            COMPREHENSIVE[rng.random_range(0..COMPREHENSIVE.len())],
        ],
    };
    let input = InstructorInput {
        external_id: None,
        name: format!("教师{}", rng.random_range(100_000..999_999)),
        kind,
        organisation: keeper.name.clone(),
        title: String::new(),
        tier: Some(tier_of(keeper.tier)),
        city: keeper.name.clone(),
        lat: keeper.lat + rng.random_range(-0.2..0.2),
        lon: keeper.lon + rng.random_range(-0.2..0.2),
        expertise: topics
            .iter()
            .map(|t| ExpertiseInput {
                topic: (*t).to_owned(),
                level: rng.random_range(2..=5),
            })
            .collect(),
        methods: vec!["lecture".to_owned()],
        yearly_capacity: rng.random_range(4..=16),
        remote_ok: rng.random_bool(0.2),
        max_travel_km: None,
        phone: None,
        email: None,
        owner_office: Some(keeper.id.clone()),
        visibility: Some(visibility),
    };
    instructors::create(conn, offices::ROOT, &input)?;
    Ok(())
}

/// The office's plan for 2027 and its planner; returns its sessions. Classes
/// start in the spring (weeks 10–21) or autumn (weeks 36–47) term.
fn office_plan(
    conn: &mut Db,
    rng: &mut StdRng,
    place: &Place,
    args: &NationalArgs,
    hash: &str,
) -> anyhow::Result<usize> {
    let planner = account(
        conn,
        hash,
        &format!("planner-{}", place.id),
        Role::Planner,
        &place.id,
    )?;
    let sessions = match place.tier {
        OfficeTier::National | OfficeTier::Provincial => args.province_sessions,
        OfficeTier::Municipal => args.province_sessions / 10,
        OfficeTier::County => args.province_sessions / 50,
    }
    .max(SESSIONS_PER_CLASS);
    let china = FixedOffset::east_opt(8 * 3600).ok_or_else(|| anyhow::anyhow!("offset"))?;
    let monday = NaiveDate::from_ymd_opt(2027, 1, 4).ok_or_else(|| anyhow::anyhow!("date"))?;
    store::write(conn, |conn| -> anyhow::Result<()> {
        let plan = plans::create_plan(
            conn,
            &planner,
            &place.id,
            &PlanInput {
                name: format!("{}2027年度教育培训计划", place.name),
                year: 2027,
                tier: tier_of(place.tier),
            },
        )?;
        for c in 0..sessions.div_ceil(SESSIONS_PER_CLASS) {
            let week = if rng.random_bool(0.5) {
                rng.random_range(10..=21)
            } else {
                rng.random_range(36..=47)
            };
            let start = monday + Days::weeks(week);
            let kind = if c % 2 == 0 {
                ClassKind::Comprehensive
            } else {
                ClassKind::Specialised
            };
            let class = plans::create_class(
                conn,
                &plan.id,
                &ClassInput {
                    name: format!("第{}期培训班", c + 1),
                    kind,
                    city: place.name.clone(),
                    lat: place.lat,
                    lon: place.lon,
                    start_date: start,
                    end_date: start + Days::days(4),
                    min_cadre_share: 0.5,
                },
            )?;
            for s in 0..SESSIONS_PER_CLASS {
                let day = start + Days::days((s / 2) as i64);
                let hour = if s % 2 == 0 { 9 } else { 14 };
                let begin = china
                    .from_local_datetime(
                        &day.and_hms_opt(hour, 0, 0)
                            .ok_or_else(|| anyhow::anyhow!("time"))?,
                    )
                    .single()
                    .ok_or_else(|| anyhow::anyhow!("time"))?;
                let topic = match kind {
                    ClassKind::Comprehensive => {
                        COMPREHENSIVE[rng.random_range(0..COMPREHENSIVE.len())]
                    }
                    ClassKind::Specialised if rng.random_bool(0.3) => {
                        DOMAINS[rng.random_range(0..DOMAINS.len())]
                    }
                    ClassKind::Specialised => SPECIALISED[rng.random_range(0..SPECIALISED.len())],
                };
                plans::create_session(
                    conn,
                    &class.id,
                    &SessionInput {
                        title: format!("第{}讲", s + 1),
                        start: begin,
                        end: begin + Days::hours(3),
                        remote: false,
                        method: None,
                        needed: if rng.random_bool(0.15) { 2 } else { 1 },
                        topics: vec![TopicRequirementInput {
                            topic: topic.to_owned(),
                            min_level: rng.random_range(2..=4),
                        }],
                    },
                )?;
            }
        }
        Ok(())
    })?;
    Ok(sessions.div_ceil(SESSIONS_PER_CLASS) * SESSIONS_PER_CLASS)
}

/// The tier of the people and plans of an office of `tier`.
fn tier_of(tier: OfficeTier) -> Tier {
    match tier {
        OfficeTier::National => Tier::National,
        OfficeTier::Provincial => Tier::Provincial,
        OfficeTier::Municipal => Tier::Municipal,
        OfficeTier::County => Tier::County,
    }
}
