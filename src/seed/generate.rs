//! Synthetic populations: a tenant's `"generate"` section and `--generate N`.
//!
//! Person `k` of a population is a pure function of the seed number and `k`: a name, an email
//! and a handful of the tenant's groups, so the same seed number gives the same people in
//! every run, on every machine, whatever else the tenant holds. Each vendor turns a person
//! into its own record (ids after the tenant's declared ones); see `seed/<vendor>.rs`.
//!
//! **\[choice\]** How many groups a generated person is in: none for 10%, one for 35%, two for
//! 30%, three for 15%, and four to twelve for the last 10% ("most in 1–3 groups, some in
//! none, a few in many"). Which groups: earlier groups of the tenant are more popular (the
//! chance falls with the group's position), so group sizes spread from large to small.
//!
//! **\[choice\]** Generated people are all active, with the password `generated`, user names
//! and emails built from their name and id (`ada.lovelace.1000008@example.org`), and no API
//! keys, supervisors or administrator rights: a population to look up and sync, not callers.

use serde::{Deserialize, Serialize};

/// What a tenant's `"generate"` section (or `--generate`) asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generate {
    /// How many people to add after the tenant's declared ones.
    pub people: u64,
    /// Same seed number, same people.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// How many groups to add to the tenant's declared ones before the people join groups.
    #[serde(default)]
    pub groups: u64,
}

fn default_seed() -> u64 {
    DEFAULT_SEED
}

/// The seed number when none is given.
pub const DEFAULT_SEED: u64 = 1;
/// **\[choice\]** At most ten million generated people per tenant (a typo guard, not a limit of
/// the store).
pub const MAX_PEOPLE: u64 = 10_000_000;
/// **\[choice\]** At most ten thousand generated groups per tenant.
pub const MAX_GROUPS: u64 = 10_000;
/// The password of every generated person.
pub const PASSWORD: &str = "generated";

impl Generate {
    /// `--generate N` with `--generate-seed S`.
    pub fn people(people: u64, seed: u64) -> Generate {
        Generate {
            people,
            seed,
            groups: 0,
        }
    }

    /// Range checks, named by the path of the section (`luminate.sites[0].generate`).
    pub fn check(&self, path: &str) -> Result<(), super::SeedError> {
        if self.people > MAX_PEOPLE {
            return Err(super::err(
                format!("{path}.people"),
                format!("at most {MAX_PEOPLE}"),
            ));
        }
        if self.groups > MAX_GROUPS {
            return Err(super::err(
                format!("{path}.groups"),
                format!("at most {MAX_GROUPS}"),
            ));
        }
        Ok(())
    }

    /// Person `k` (0-based) of this population.
    pub fn person(&self, k: u64) -> Person {
        let mut rng = Rng(self.seed.wrapping_mul(0xA076_1D64_78BD_642F) ^ k);
        rng.next();
        let first = FIRST_NAMES[(rng.next() % FIRST_NAMES.len() as u64) as usize];
        let last = LAST_NAMES[(rng.next() % LAST_NAMES.len() as u64) as usize];
        let domain = DOMAINS[(rng.next() % DOMAINS.len() as u64) as usize];
        Person {
            first,
            last,
            domain,
            rng,
        }
    }

    /// The label of generated group `j` (0-based).
    pub fn group_label(j: u64) -> String {
        let base = GROUP_LABELS[(j % GROUP_LABELS.len() as u64) as usize];
        format!("{base} {}", j / GROUP_LABELS.len() as u64 + 1)
    }
}

/// One generated person, before a vendor gives them ids.
#[derive(Debug, Clone)]
pub struct Person {
    pub first: &'static str,
    pub last: &'static str,
    domain: &'static str,
    rng: Rng,
}

impl Person {
    /// `first.last.id`, lower case: the user name, and the email's local part. Names hold
    /// letters only, so the id makes it unique among generated people.
    pub fn handle(&self, id: impl std::fmt::Display) -> String {
        let mut handle = String::with_capacity(40);
        self.write_handle(&mut handle, id);
        handle
    }

    pub fn email(&self, id: impl std::fmt::Display) -> String {
        let mut email = String::with_capacity(52);
        self.write_handle(&mut email, id);
        email.push('@');
        email.push_str(self.domain);
        email
    }

    fn write_handle(&self, out: &mut String, id: impl std::fmt::Display) {
        use std::fmt::Write;
        out.extend(self.first.chars().map(|c| c.to_ascii_lowercase()));
        out.push('.');
        out.extend(self.last.chars().map(|c| c.to_ascii_lowercase()));
        let _ = write!(out, ".{id}");
    }

    /// Positions (ascending) in a list of `count` groups of the groups this person is in.
    pub fn groups(&mut self, count: usize) -> Vec<usize> {
        let wanted = match self.rng.next() % 100 {
            0..=9 => 0,
            10..=44 => 1,
            45..=74 => 2,
            75..=89 => 3,
            _ => 4 + (self.rng.next() % 9) as usize,
        }
        .min(count);
        let mut chosen: Vec<usize> = Vec::with_capacity(wanted);
        let mut tries = 0;
        while chosen.len() < wanted && tries < 64 {
            tries += 1;
            // x² on [0, 1): earlier groups are likelier.
            let x = (self.rng.next() >> 11) as f64 / (1u64 << 53) as f64;
            let at = ((x * x) * count as f64) as usize;
            if !chosen.contains(&at) {
                chosen.push(at);
            }
        }
        // Crowded draws (many groups wanted of few) finish with the first free positions.
        let mut at = 0;
        while chosen.len() < wanted {
            if !chosen.contains(&at) {
                chosen.push(at);
            }
            at += 1;
        }
        chosen.sort_unstable();
        chosen
    }
}

/// SplitMix64: small, fast, and fixed here, so populations do not change with a dependency.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

const FIRST_NAMES: &[&str] = &[
    "Ada", "Alan", "Amara", "Ana", "Anders", "Aroha", "Ayesha", "Bea", "Bruno", "Carmen", "Chen",
    "Chidi", "Clara", "Dara", "David", "Elena", "Emeka", "Emma", "Farah", "Felix", "Grace", "Hana",
    "Hugo", "Ines", "Ingrid", "Isaac", "Jamal", "Jonas", "Julia", "Kai", "Kenji", "Lars", "Layla",
    "Leila", "Liam", "Lucia", "Mateo", "Maya", "Mei", "Mina", "Nadia", "Nia", "Noah", "Olga",
    "Omar", "Oscar", "Priya", "Rafael", "Rosa", "Ruth", "Sami", "Sara", "Sofia", "Tariq", "Theo",
    "Tomas", "Uma", "Vera", "Victor", "Wei", "Yara", "Yusuf", "Zara", "Zoe",
];

const LAST_NAMES: &[&str] = &[
    "Abara",
    "Adeyemi",
    "Alvarez",
    "Andersen",
    "Bauer",
    "Bianchi",
    "Brown",
    "Castro",
    "Chen",
    "Cohen",
    "Costa",
    "Dubois",
    "Eriksson",
    "Fischer",
    "Garcia",
    "Gonzalez",
    "Haddad",
    "Hansen",
    "Hopper",
    "Ibrahim",
    "Ivanova",
    "Jensen",
    "Johnson",
    "Kaur",
    "Khan",
    "Kim",
    "Kowalski",
    "Lee",
    "Lopez",
    "Lovelace",
    "Martin",
    "Meyer",
    "Moreau",
    "Mwangi",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "Olsen",
    "Park",
    "Patel",
    "Pereira",
    "Petrov",
    "Rossi",
    "Sato",
    "Schmidt",
    "Silva",
    "Singh",
    "Smith",
    "Sousa",
    "Tanaka",
    "Taylor",
    "Torres",
    "Turing",
    "Wang",
    "Weber",
    "Williams",
    "Wilson",
    "Wright",
    "Yamamoto",
    "Yilmaz",
    "Young",
    "Zhang",
    "Zimmermann",
];

const DOMAINS: &[&str] = &["example.org", "example.com", "example.net"];

const GROUP_LABELS: &[&str] = &[
    "Monthly Donors",
    "Volunteers",
    "Newsletter",
    "Event Attendees",
    "Advocates",
    "Major Donors",
    "Alumni",
    "Board Prospects",
    "Committee",
    "Chapter",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_person_and_another_seed_another() {
        let g = Generate::people(10, 7);
        let (a, b) = (g.person(3), g.person(3));
        assert_eq!((a.first, a.last, a.email(9)), (b.first, b.last, b.email(9)));
        let people = |seed| {
            let g = Generate::people(50, seed);
            (0..50)
                .map(|k| {
                    let mut p = g.person(k);
                    (p.email(k), p.groups(20))
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(people(7), people(7));
        assert_ne!(people(7), people(8));
    }

    #[test]
    fn group_counts_spread_from_none_to_many_and_earlier_groups_are_bigger() {
        let g = Generate::people(20_000, 1);
        let mut by_count = [0u32; 13];
        let mut sizes = [0u32; 20];
        for k in 0..20_000 {
            let groups = g.person(k).groups(20);
            assert!(groups.windows(2).all(|w| w[0] < w[1]), "{groups:?}");
            by_count[groups.len()] += 1;
            for at in groups {
                sizes[at] += 1;
            }
        }
        let share = |n: u32| n as f64 / 20_000.0;
        assert!((0.08..0.12).contains(&share(by_count[0])), "{by_count:?}");
        assert!((0.32..0.38).contains(&share(by_count[1])), "{by_count:?}");
        assert!(share(by_count[1] + by_count[2] + by_count[3]) > 0.75);
        assert!(by_count[4..].iter().sum::<u32>() > 1_500);
        assert!(by_count[12] > 0, "a few are in many groups: {by_count:?}");
        assert!(sizes[0] > 3 * sizes[19], "{sizes:?}");
    }

    #[test]
    fn a_person_never_gets_more_groups_than_there_are() {
        let g = Generate::people(1000, 3);
        for k in 0..1000 {
            let groups = g.person(k).groups(2);
            assert!(groups.len() <= 2 && groups.iter().all(|&at| at < 2));
            assert!(g.person(k).groups(0).is_empty());
        }
    }
}
