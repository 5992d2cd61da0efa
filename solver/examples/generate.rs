//! Prints a realistic synthetic staffing problem as JSON:
//! `cargo run --release -p staffing-solver --example generate -- INSTRUCTORS SESSIONS [SEED]`.

use std::process::ExitCode;

use solver::synthetic::{generate, Shape};

fn main() -> ExitCode {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (instructors, sessions, seed) = match args[..] {
        [i, s] => (i, s, 1),
        [i, s, seed] => (i, s, seed),
        _ => {
            eprintln!("usage: generate INSTRUCTORS SESSIONS [SEED]");
            return ExitCode::from(2);
        }
    };
    let problem = generate(Shape::new(instructors as usize, sessions as usize, seed));
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
