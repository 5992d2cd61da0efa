//! Eligibility of an instructor for a session (SPEC 5.2), rule by rule in the
//! contract's order, so that callers can ask for the first failing rule (for
//! `excluded_by`), all of them (for near misses) or none (for candidates).

use crate::index::{Index, Inst, Sess};

/// A rule of SPEC 5.2, in the order `excluded_by` counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Topic,
    Unavailable,
    Remote,
    Travel,
    Exclusion,
}

impl Rule {
    pub const ALL: [Rule; 5] = [
        Rule::Topic,
        Rule::Unavailable,
        Rule::Remote,
        Rule::Travel,
        Rule::Exclusion,
    ];

    /// The contract's name of the rule.
    pub fn code(self) -> &'static str {
        match self {
            Rule::Topic => "topic",
            Rule::Unavailable => "unavailable",
            Rule::Remote => "remote",
            Rule::Travel => "travel",
            Rule::Exclusion => "exclusion",
        }
    }
}

impl Index<'_> {
    /// The rules instructor `i` fails for session `s`, lazily, in order.
    pub fn failing_rules(&self, i: Inst, s: Sess) -> impl Iterator<Item = Rule> + '_ {
        Rule::ALL
            .into_iter()
            .filter(move |&rule| !self.passes(rule, i, s))
    }

    /// Whether `i` passes every rule for `s`.
    pub fn eligible(&self, i: Inst, s: Sess) -> bool {
        self.failing_rules(i, s).next().is_none()
    }

    fn passes(&self, rule: Rule, i: Inst, s: Sess) -> bool {
        let instructor = &self.problem.instructors[i];
        let session = &self.problem.sessions[s];
        match rule {
            Rule::Topic => self.requirements[s]
                .iter()
                .all(|&(t, min)| self.level(i, t) >= min),
            Rule::Unavailable => {
                let (start, end) = self.session_time[s];
                self.unavailable[i]
                    .iter()
                    .all(|&(u0, u1)| !(start < u1 && u0 < end))
            }
            Rule::Remote => !session.remote || instructor.remote_ok,
            Rule::Travel => {
                session.remote
                    || instructor
                        .max_travel_km
                        .is_none_or(|max| self.distance_km(i, self.session_class[s]) <= max)
            }
            Rule::Exclusion => !self.exclusions.contains(&(s, i)),
        }
    }

    /// A sentence saying why `i` fails `rule` for `s`.
    pub fn explain(&self, rule: Rule, i: Inst, s: Sess) -> String {
        let instructor = &self.problem.instructors[i];
        match rule {
            Rule::Topic => self.requirements[s]
                .iter()
                .filter(|&&(t, min)| self.level(i, t) < min)
                .map(|&(t, min)| {
                    format!(
                        "{} level {} < {}",
                        self.topic_codes[t],
                        self.level(i, t),
                        min
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            Rule::Unavailable => {
                let session = &self.problem.sessions[s];
                let (start, end) = self.session_time[s];
                instructor
                    .unavailable
                    .iter()
                    .zip(&self.unavailable[i])
                    .filter(|(_, &(u0, u1))| start < u1 && u0 < end)
                    .map(|(u, _)| {
                        format!(
                            "unavailable {} – {} overlaps {} – {}",
                            u.start.to_rfc3339(),
                            u.end.to_rfc3339(),
                            session.start.to_rfc3339(),
                            session.end.to_rfc3339()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            }
            Rule::Remote => "remote session, but the instructor does not teach remotely".to_owned(),
            Rule::Travel => format!(
                "venue is {:.0} km away, beyond the instructor's {:.0} km limit",
                self.distance_km(i, self.session_class[s]),
                instructor.max_travel_km.unwrap_or_default()
            ),
            Rule::Exclusion => "excluded for this session by the planner".to_owned(),
        }
    }
}
