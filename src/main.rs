//! `faculty-pool`: the faculty pool (师资库) and instructor-matching service.

mod problem_details;
mod solve_command;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "faculty-pool",
    version,
    about = "Faculty pool and instructor matching for cadre training offices"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Solve {
            problem,
            time_limit,
            mip_gap,
            summary,
        } => solve_command::run(&problem, time_limit, mip_gap, summary),
    }
}
