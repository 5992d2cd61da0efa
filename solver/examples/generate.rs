//! Prints a realistic synthetic staffing problem as JSON:
//! `cargo run --release -p staffing-solver --example generate -- INSTRUCTORS SESSIONS [SEED [SEASON_WEEKS]]`
//! (with a season, classes of 6.67 sessions all start within that many weeks).

use std::process::ExitCode;

use solver::synthetic::{generate, Shape};

fn main() -> ExitCode {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let shape = match args[..] {
        [i, s] => Shape::new(i as usize, s as usize, 1),
        [i, s, seed] => Shape::new(i as usize, s as usize, seed),
        [i, s, seed, weeks] => Shape::overlapping(i as usize, s as usize, weeks as i64, seed),
        _ => {
            eprintln!("usage: generate INSTRUCTORS SESSIONS [SEED [SEASON_WEEKS]]");
            return ExitCode::from(2);
        }
    };
    let problem = generate(shape);
    match serde_json::to_string_pretty(&problem) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}
