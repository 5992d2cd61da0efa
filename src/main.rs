//! `faculty-pool`: the faculty pool (师资库) and instructor-matching service.

mod api;
mod auth;
mod china_time;
mod cities;
mod commands;
mod error;
mod http;
mod metrics;
mod pages;
mod problem_details;
mod qr;
mod rating;
mod routing;
mod sheets;
mod staffing;
mod store;
mod vocabulary;
mod webhooks;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::commands::serve::{DbArgs, ServeArgs};
use crate::commands::{db, demo, national, office, serve, solve, user};
use crate::store::offices::OfficeInput;
use crate::vocabulary::{OfficeTier, Role};

#[derive(Parser)]
#[command(
    name = "faculty-pool",
    version,
    about = "Faculty pool and instructor matching for cadre training offices"
)]
struct Cli {
    /// Log filter, e.g. `info` or `info,faculty_pool=debug`.
    #[arg(long, env = "LOG_LEVEL", default_value = "info", global = true)]
    log_level: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service.
    Serve(Box<ServeArgs>),
    /// Seed a fresh database (SQLite by default) with a realistic pool and
    /// provincial plan, staff it through a staffing run, and print the report.
    Demo(demo::DemoArgs),
    /// Load a national data set for load tests into a fresh database: the
    /// tree of offices at its real sizes, about 100,000 instructors across
    /// the tiers, a plan for every office and a planner account for each.
    National(national::NationalArgs),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage the tree of offices.
    #[command(subcommand)]
    Office(OfficeCommand),
    /// Apply or revert database migrations.
    #[command(subcommand)]
    Db(DbCommand),
    /// Solve a staffing problem (SPEC 5) from a JSON file and print the solution.
    Solve {
        /// The problem JSON file, or `-` for standard input.
        problem: PathBuf,
        /// Override `options.time_limit_s`.
        #[arg(long)]
        time_limit: Option<f64>,
        /// Override `options.mip_gap`.
        #[arg(long)]
        mip_gap: Option<f64>,
        /// Print a readable report instead of the solution JSON.
        #[arg(long)]
        summary: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        #[arg(long, value_enum)]
        role: Role,
        /// The instructor id an `instructor` account speaks for.
        #[arg(long)]
        instructor: Option<String>,
        /// The office the account acts for (default: the root office); an
        /// instructor account belongs to its instructor's office.
        #[arg(long)]
        office: Option<String>,
    },
}

#[derive(Subcommand)]
enum OfficeCommand {
    /// Create an office under another (SPEC 10).
    Add {
        #[command(flatten)]
        db: DbArgs,
        /// Its name, e.g. 南山市信访局.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        tier: OfficeTier,
        /// The office above it (default: the root office).
        #[arg(long)]
        parent: Option<String>,
        /// The province it is in.
        #[arg(long, default_value = "")]
        region: String,
    },
}

#[derive(Subcommand)]
enum DbCommand {
    /// Apply all pending migrations.
    Migrate(DbArgs),
    /// Revert the newest migration (or all of them).
    Revert {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        all: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(&cli.log_level))
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Solve {
            problem,
            time_limit,
            mip_gap,
            summary,
        } => return solve::run(&problem, time_limit, mip_gap, summary),
        Command::Demo(args) => demo::run(&args),
        Command::National(args) => national::run(&args),
        Command::Serve(args) => actix_web::rt::System::new().block_on(serve::run(*args)),
        Command::User(UserCommand::Add {
            db,
            username,
            role,
            instructor,
            office,
        }) => user::add(
            &db.database_url,
            &username,
            role,
            instructor.as_deref(),
            office.as_deref(),
        ),
        Command::Office(OfficeCommand::Add {
            db,
            name,
            tier,
            parent,
            region,
        }) => office::add(
            &db.database_url,
            &OfficeInput {
                name,
                tier,
                parent,
                region,
            },
        ),
        Command::Db(DbCommand::Migrate(args)) => db::migrate(&args.database_url),
        Command::Db(DbCommand::Revert { db: args, all }) => db::revert(&args.database_url, all),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
