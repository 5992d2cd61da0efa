//! `faculty-pool demo`: a realistic provincial staffing, end to end, on a
//! fresh SQLite database (or an empty PostgreSQL one). It makes a part of
//! the tree of offices (the national bureau, 湖北省, two of its cities and a
//! county), seeds a pool of instructors across China kept by those offices
//! (with expertise, unavailability and evaluation history) and a year's
//! plan for the province through the same store functions as the API, runs
//! a staffing run through the queue and a worker, applies it and prints the
//! report, which says whose pool each instructor came from.

use std::sync::Arc;
use std::time::Duration;

use chrono::{Duration as Days, FixedOffset, NaiveDate, TimeZone};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use solver::synthetic::{COMPREHENSIVE, DOMAINS, SPECIALISED};

use crate::auth::password;
use crate::cities::CITIES;
use crate::commands::report;
use crate::staffing::apply;
use crate::staffing::problem::{self, RunRequest};
use crate::staffing::runs::{self, QueueSignal, WorkerConfig};
use crate::store::instructors::{ExpertiseInput, InstructorInput};
use crate::store::offices::{OfficeChange, OfficeInput};
use crate::store::plans::{ClassInput, PlanInput, SessionInput, TopicRequirementInput};
use crate::store::{
    self, availability, instructors, offices, plans, teaching, users, DbKind, DbPool,
};
use crate::vocabulary::{
    ClassKind, InstructorKind, Named, OfficeTier, Role, RunState, Tier, Visibility,
};

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];
const GIVEN: [&str; 24] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
    "霞", "平", "刚", "桂英", "建华", "志强", "秀兰", "海燕",
];
/// The bodies that second experts of each of [`DOMAINS`].
const DOMAIN_BODIES: [&str; 6] = [
    "自然资源厅",
    "住房和城乡建设厅",
    "民政厅",
    "人力资源和社会保障厅",
    "生态环境厅",
    "地方金融监督管理局",
];

/// What the demo makes.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Instructors in the pool.
    #[arg(long, default_value_t = 300)]
    pub instructors: usize,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Seconds the staffing run may take.
    #[arg(long, default_value_t = 30.0)]
    pub time_limit: f64,
    /// The SQLite file to create (default: a new file in the temporary
    /// directory), or the URL of an empty PostgreSQL database.
    #[arg(long)]
    pub database: Option<String>,
}

/// Seeds, staffs and reports.
pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    let url = match &args.database {
        Some(url) => url.clone(),
        None => std::env::temp_dir()
            .join(format!(
                "faculty-pool-demo-{}.db",
                uuid::Uuid::new_v4().simple()
            ))
            .to_string_lossy()
            .into_owned(),
    };
    let postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
    anyhow::ensure!(
        postgres || !std::path::Path::new(&url).exists(),
        "{url} exists; the demo makes a fresh database"
    );
    println!("Demo database: {url}");
    let pool = store::open(&url, 4)?;
    if postgres {
        anyhow::ensure!(
            store::users::list(&mut *pool.get()?, store::offices::ROOT)?.is_empty(),
            "{url} holds accounts already; the demo needs an empty database"
        );
    }
    let mut rng = StdRng::seed_from_u64(args.seed);
    let tree = Tree::make(&pool)?;
    let mut sign_ins = Vec::new();
    let planner = sign_in(&pool, &mut sign_ins, Role::Planner, &tree.province, None)?;
    let count = seed_pool(&pool, &mut rng, &tree, args.instructors)?;
    let plan_id = seed_plan(
        &pool,
        &mut rng,
        &planner,
        (
            &tree.province,
            "湖北省信访系统2027年度教育培训计划",
            Tier::Provincial,
        ),
        &PROVINCE_CLASSES,
    )?;
    seed_plan(
        &pool,
        &mut rng,
        &planner,
        (
            &tree.wuhan,
            "武汉市信访局2027年度教育培训计划",
            Tier::Municipal,
        ),
        &CITY_CLASSES,
    )?;
    println!(
        "Offices: 国家信访局 › 湖北省信访局 › 武汉市信访局 (› 江夏区信访局), 宜昌市信访局.\n\
         Seeded {count} instructors and the province's plan (and 武汉's); staffing the province's …\n"
    );

    let request = RunRequest {
        options: serde_json::Map::from_iter([(
            "time_limit_s".to_owned(),
            serde_json::json!(args.time_limit),
        )]),
        ..RunRequest::default()
    };
    let config = WorkerConfig {
        concurrency: 1,
        lease: Duration::from_secs(30),
        poll: Duration::from_millis(200),
        max_time_limit_s: args.time_limit,
        max_running_per_office: 1,
        routing: None,
    };
    let run = runs::create(
        &mut *pool.get()?,
        &plan_id,
        &planner,
        &request,
        config.max_time_limit_s,
    )?;
    let signal = Arc::new(QueueSignal::default());
    runs::start_workers(
        pool.clone(),
        DbKind::Sqlite,
        config.clone(),
        signal.clone(),
        crate::metrics::Metrics::new(crate::metrics::Access::Off)?,
    )?;
    signal.notify();
    let run = loop {
        let current = store::runs::get(&mut *pool.get()?, &run.id)?;
        if matches!(current.state, RunState::Done | RunState::Failed) {
            break current;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    anyhow::ensure!(
        run.state == RunState::Done,
        "the staffing run failed: {}",
        run.error.unwrap_or_default()
    );
    let (run, _) = apply::apply(&mut *pool.get()?, &run.id, config.max_time_limit_s, false)?;
    let solution = run
        .solution()?
        .ok_or_else(|| anyhow::anyhow!("the applied run has no solution"))?;
    let conn = &mut *pool.get()?;
    let plan = plans::plan(conn, &plan_id)?;
    let parameters = request.parameters(config.max_time_limit_s)?;
    let built = problem::for_run(conn, &plan, &request, parameters, run.as_of)?;
    println!(
        "{} ({} classes, {} sessions, {} instructors in the pool)",
        plan.name,
        built.problem.classes.len(),
        built.problem.sessions.len(),
        built.problem.instructors.len()
    );
    print!(
        "{}",
        report::report(&built.problem, &solution, Some(&built.names))
    );
    // The instructor account speaks for someone the run just proposed.
    let teacher = solution.assignments.first().map(|a| a.instructor.clone());
    sign_in(&pool, &mut sign_ins, Role::Admin, &tree.province, None)?;
    sign_in(&pool, &mut sign_ins, Role::Office, &tree.province, None)?;
    if let Some(teacher) = &teacher {
        let (role, office) = (Role::Instructor, offices::ROOT);
        sign_in(&pool, &mut sign_ins, role, office, Some(teacher))?;
    }
    println!("\nThe run's proposals are applied. Serve this database and open the console:\n  ./target/release/faculty-pool serve --database-url {url}\n  # then http://127.0.0.1:8080/\nSign-ins:");
    for (username, password) in &sign_ins {
        println!("  {username:<18} {password}");
    }
    Ok(())
}

/// Makes the account `demo-<role>` of `office` (an instructor's is their
/// owner office's) with a random password, noted in `sign_ins`; returns its
/// id.
fn sign_in(
    pool: &DbPool,
    sign_ins: &mut Vec<(String, String)>,
    role: Role,
    office: &str,
    instructor_id: Option<&str>,
) -> anyhow::Result<String> {
    let username = format!("demo-{}", role.code());
    let secret = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    let user = users::create(
        &mut *pool.get()?,
        &users::NewUser {
            username: &username,
            password_hash: &password::hash(&secret)?,
            role,
            instructor_id,
            office,
            within: offices::ROOT,
        },
    )?;
    sign_ins.push((username, secret));
    Ok(user.id)
}

/// The demo's part of the tree of offices.
struct Tree {
    province: String,
    wuhan: String,
    yichang: String,
    jiangxia: String,
}

impl Tree {
    /// The root becomes the national bureau; under it 湖北省, under that 武汉
    /// (with its district 江夏) and 宜昌.
    fn make(pool: &DbPool) -> anyhow::Result<Self> {
        let conn = &mut *pool.get()?;
        let rename = OfficeChange {
            name: Some("国家信访局".to_owned()),
            ..OfficeChange::default()
        };
        offices::update(conn, offices::ROOT, offices::ROOT, &rename)?;
        let mut add = |name: &str, tier, parent: &str| -> anyhow::Result<String> {
            let input = OfficeInput {
                name: name.to_owned(),
                tier,
                parent: Some(parent.to_owned()),
                region: "湖北省".to_owned(),
            };
            Ok(offices::create(conn, offices::ROOT, &input)?.id)
        };
        let province = add("湖北省信访局", OfficeTier::Provincial, offices::ROOT)?;
        let wuhan = add("武汉市信访局", OfficeTier::Municipal, &province)?;
        let yichang = add("宜昌市信访局", OfficeTier::Municipal, &province)?;
        let jiangxia = add("江夏区信访局", OfficeTier::County, &wuhan)?;
        Ok(Self {
            province,
            wuhan,
            yichang,
            jiangxia,
        })
    }

    /// Who keeps an instructor of `kind` and `tier` living in `CITIES[city]`,
    /// and how far they are shared: in 湖北, cadres by their city's (or
    /// 江夏's) office, everyone else by the province; outside it, half of
    /// the experts are the bureau's national register (`everyone`), the
    /// rest the bureau's own.
    fn keeper(
        &self,
        rng: &mut StdRng,
        city: usize,
        kind: InstructorKind,
        tier: Tier,
    ) -> (String, Visibility) {
        let in_province = city < 6;
        let office = match (in_province, kind, tier, city) {
            (true, InstructorKind::Cadre, Tier::County, 0) => &self.jiangxia,
            (true, InstructorKind::Cadre, Tier::Municipal, 0) => &self.wuhan,
            (true, InstructorKind::Cadre, Tier::Municipal, 1) => &self.yichang,
            (true, ..) => &self.province,
            (false, InstructorKind::Expert, ..) if rng.random_bool(0.5) => {
                return (offices::ROOT.to_owned(), Visibility::Everyone)
            }
            (false, ..) => return (offices::ROOT.to_owned(), Visibility::Own),
        };
        (office.clone(), Visibility::Shared)
    }
}

fn name(rng: &mut StdRng) -> String {
    format!(
        "{}{}",
        SURNAMES[rng.random_range(0..SURNAMES.len())],
        GIVEN[rng.random_range(0..GIVEN.len())]
    )
}

/// A level skewed towards the middle-high range: 2–5.
fn level(rng: &mut StdRng) -> i32 {
    [2, 3, 3, 4, 4, 4, 5, 5][rng.random_range(0..8)]
}

fn pick<'a>(rng: &mut StdRng, from: &[&'a str], n: usize) -> Vec<&'a str> {
    let mut chosen: Vec<&str> = Vec::new();
    while chosen.len() < n.min(from.len()) {
        let t = from[rng.random_range(0..from.len())];
        if !chosen.contains(&t) {
            chosen.push(t);
        }
    }
    chosen
}

fn seed_pool(pool: &DbPool, rng: &mut StdRng, tree: &Tree, count: usize) -> anyhow::Result<usize> {
    let conn = &mut *pool.get()?;
    let china = FixedOffset::east_opt(8 * 3600).ok_or_else(|| anyhow::anyhow!("offset"))?;
    for _ in 0..count {
        // Half of the pool lives in the province, the rest across China.
        let at = if rng.random_bool(0.5) {
            rng.random_range(0..6)
        } else {
            rng.random_range(0..CITIES.len())
        };
        let city = CITIES[at];
        let roll: f64 = rng.random();
        let (kind, topics, organisation, tier) = if roll < 0.6 {
            let (specialised, comprehensive) = (rng.random_range(1..=2), rng.random_range(0..=2));
            let mut t = pick(rng, &SPECIALISED, specialised);
            t.extend(pick(rng, &COMPREHENSIVE, comprehensive));
            (
                InstructorKind::Cadre,
                t,
                format!("{}省信访局", city.1),
                [Tier::Provincial, Tier::Municipal, Tier::County][rng.random_range(0..3)],
            )
        } else if roll < 0.9 {
            let d = rng.random_range(0..DOMAINS.len());
            let mut t = vec![DOMAINS[d]];
            if rng.random_bool(0.4) {
                t.push("rule-of-law");
            }
            let org = if rng.random_bool(0.3) {
                format!("{}省委党校", city.1)
            } else {
                format!("{}省{}", city.1, DOMAIN_BODIES[d])
            };
            (InstructorKind::Expert, t, org, Tier::Provincial)
        } else {
            let t = pick(
                rng,
                &[
                    "visitor-reception",
                    "letter-handling",
                    "party-spirit",
                    "professional-ethics",
                ],
                2,
            );
            (
                InstructorKind::ModelFigure,
                t,
                format!("{}市信访局接访中心", city.0),
                Tier::Municipal,
            )
        };
        let (owner, visibility) = tree.keeper(rng, at, kind, tier);
        let input = InstructorInput {
            external_id: None,
            name: name(rng),
            kind,
            organisation,
            title: ["处长", "副处长", "科长", "教授", "研究员", "主任"][rng.random_range(0..6)]
                .to_owned(),
            tier: Some(tier),
            city: city.0.to_owned(),
            lat: city.2,
            lon: city.3,
            expertise: topics
                .iter()
                .map(|t| ExpertiseInput {
                    topic: (*t).to_owned(),
                    level: level(rng),
                })
                .collect(),
            methods: pick(
                rng,
                &[
                    "lecture",
                    "case",
                    "simulation",
                    "seminar",
                    "experiential",
                    "on-site",
                ],
                2,
            )
            .into_iter()
            .map(str::to_owned)
            .collect(),
            yearly_capacity: rng.random_range(2..=12),
            remote_ok: rng.random_bool(0.3),
            max_travel_km: rng
                .random_bool(0.4)
                .then(|| f64::from(rng.random_range(3..=20) * 100)),
            phone: None,
            email: None,
            owner_office: Some(owner),
            visibility: Some(visibility),
        };
        let profile = instructors::create(conn, offices::ROOT, &input)?;
        let id = profile.row.id;
        if rng.random_bool(0.2) {
            let start = china
                .with_ymd_and_hms(
                    2027,
                    rng.random_range(3..=11),
                    rng.random_range(1..=20),
                    0,
                    0,
                    0,
                )
                .single()
                .ok_or_else(|| anyhow::anyhow!("date"))?;
            let block = availability::BlockInput {
                start,
                end: start + Days::days(rng.random_range(3..=10)),
                note: "另有公务".to_owned(),
            };
            availability::add(conn, &id, &block)?;
        }
        // Evaluation history: a latent teaching quality behind the scores.
        let quality: f64 = rng.random_range(2.5..4.9);
        for _ in 0..rng.random_range(0..=3) {
            let delivered = china
                .with_ymd_and_hms(
                    rng.random_range(2024..=2026),
                    rng.random_range(1..=10),
                    rng.random_range(1..=28),
                    9,
                    0,
                    0,
                )
                .single()
                .ok_or_else(|| anyhow::anyhow!("date"))?;
            let scores = (0..rng.random_range(10..=30))
                .map(|_| {
                    (quality + rng.random_range(-1.0..1.0))
                        .round()
                        .clamp(1.0, 5.0) as i32
                })
                .collect();
            teaching::create(
                conn,
                &id,
                &teaching::RecordInput {
                    title: "信访业务专题授课".to_owned(),
                    delivered_at: delivered,
                    scores,
                },
            )?;
        }
    }
    Ok(count)
}

/// A class of a demo plan: name, kind, venue (index of [`CITIES`]), first
/// day and days.
type DemoClass = (&'static str, ClassKind, usize, &'static str, i64);

/// The province's year: nine classes across its cities.
const PROVINCE_CLASSES: [DemoClass; 9] = [
    (
        "全省信访局长综合轮训班（第一期）",
        ClassKind::Comprehensive,
        0,
        "2027-03-08",
        4,
    ),
    (
        "全省信访局长综合轮训班（第二期）",
        ClassKind::Comprehensive,
        2,
        "2027-04-12",
        4,
    ),
    (
        "办信接访业务专题培训班",
        ClassKind::Specialised,
        1,
        "2027-05-10",
        5,
    ),
    (
        "网上信访与信息系统应用专题班",
        ClassKind::Specialised,
        0,
        "2027-06-07",
        3,
    ),
    (
        "涉法涉诉与重点领域信访专题班",
        ClassKind::Specialised,
        3,
        "2027-09-06",
        4,
    ),
    (
        "基层信访干部综合轮训班",
        ClassKind::Comprehensive,
        5,
        "2027-10-18",
        3,
    ),
    (
        "群众工作与矛盾化解专题班",
        ClassKind::Specialised,
        4,
        "2027-10-18",
        4,
    ),
    (
        "信访督查督办业务培训班",
        ClassKind::Specialised,
        2,
        "2027-11-08",
        3,
    ),
    (
        "新任信访干部综合轮训班",
        ClassKind::Comprehensive,
        1,
        "2027-11-15",
        5,
    ),
];

/// 武汉's year, left for its planners to staff.
const CITY_CLASSES: [DemoClass; 1] = [(
    "武汉市基层信访干部业务培训班",
    ClassKind::Comprehensive,
    0,
    "2027-06-21",
    2,
)];

/// A plan `(office, name, tier)` made by `planner` with `classes`, two
/// sessions a day on generated topics.
fn seed_plan(
    pool: &DbPool,
    rng: &mut StdRng,
    planner: &str,
    (office, name, tier): (&str, &str, Tier),
    classes: &[DemoClass],
) -> anyhow::Result<String> {
    let conn = &mut *pool.get()?;
    let plan = plans::create_plan(
        conn,
        planner,
        office,
        &PlanInput {
            name: name.to_owned(),
            year: 2027,
            tier,
        },
    )?;
    let china = FixedOffset::east_opt(8 * 3600).ok_or_else(|| anyhow::anyhow!("offset"))?;
    for &(name, kind, city, start, days) in classes {
        let city = CITIES[city];
        let start = NaiveDate::parse_from_str(start, "%Y-%m-%d")?;
        let class = plans::create_class(
            conn,
            &plan.id,
            &ClassInput {
                name: name.to_owned(),
                kind,
                city: city.0.to_owned(),
                lat: city.2,
                lon: city.3,
                start_date: start,
                end_date: start + Days::days(days - 1),
                min_cadre_share: 0.5,
            },
        )?;
        for day in 0..days {
            for (hour, part) in [(9, "上午"), (14, "下午")] {
                let date = start + Days::days(day);
                let begin = china
                    .from_local_datetime(
                        &date
                            .and_hms_opt(hour, 0, 0)
                            .ok_or_else(|| anyhow::anyhow!("time"))?,
                    )
                    .single()
                    .ok_or_else(|| anyhow::anyhow!("time"))?;
                let topics: Vec<&str> = match kind {
                    ClassKind::Comprehensive => pick(rng, &COMPREHENSIVE, 1),
                    ClassKind::Specialised if rng.random_bool(0.3) => pick(rng, &DOMAINS, 1),
                    ClassKind::Specialised => pick(rng, &SPECIALISED, 1),
                };
                let title = format!("第{}天{}：{}", day + 1, part, topic_title(topics[0]));
                plans::create_session(
                    conn,
                    &class.id,
                    &SessionInput {
                        title,
                        start: begin,
                        end: begin + Days::hours(3),
                        remote: rng.random_bool(0.1),
                        method: Some(
                            ["lecture", "case", "seminar"][rng.random_range(0..3)].to_owned(),
                        ),
                        needed: if rng.random_bool(0.15) { 2 } else { 1 },
                        topics: topics
                            .iter()
                            .map(|t| TopicRequirementInput {
                                topic: (*t).to_owned(),
                                min_level: if rng.random_bool(0.4) { 4 } else { 3 },
                            })
                            .collect(),
                    },
                )?;
            }
        }
    }
    Ok(plan.id)
}

fn topic_title(code: &str) -> &'static str {
    match code {
        "party-spirit" => "党性修养",
        "professional-ethics" => "职业操守",
        "new-measures" => "信访工作新举措新要求",
        "situation-analysis" => "信访形势任务分析研判",
        "rule-of-law" => "法治信访",
        "letter-handling" => "办信实务",
        "visitor-reception" => "接访实务",
        "online-complaints" => "网上投诉受理",
        "supervision" => "督查督办",
        "publicity" => "信访宣传",
        "information-systems" => "信访信息系统建设应用",
        "land-resources" => "国土领域信访问题",
        "housing-construction" => "住建领域信访问题",
        "civil-affairs" => "民政领域信访问题",
        "human-resources-social-security" => "人社领域信访问题",
        "environmental-protection" => "环保领域信访问题",
        _ => "金融领域信访问题",
    }
}
