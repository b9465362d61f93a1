//! Where each report stands in the workflow, per year.

use bilan_domain::collectivite::{self, Collectivite};
use bilan_domain::geo;

use crate::rng::{tag, Rng};
use crate::Stage;

/// Reports of 2022 still awaiting approval.
pub(crate) const TRANSMITTED_2022: usize = 20;
/// 2025: not yet transmitted (draft or adopted), approved; the rest is transmitted.
pub(crate) const NOT_TRANSMITTED_2025: usize = 25;
pub(crate) const APPROVED_2025: usize = 20;

/// The stage of every signatory of `year` (in [`collectivite::signatories`] order).
pub(crate) fn stages(seed: u64, year: i32) -> Vec<Stage> {
    let signatories = collectivite::signatories(year);
    let n = signatories.len();
    let mut r = Rng::keyed(seed, &[tag("stages"), year as u64]);
    match year {
        2022 => {
            let mut out = vec![Stage::Approved; n];
            for i in r.sample(n, TRANSMITTED_2022) {
                out[i] = Stage::Transmitted;
            }
            out
        }
        2025 => stages_2025(&mut r, &signatories),
        _ => vec![Stage::Approved; n],
    }
}

fn stages_2025(r: &mut Rng, signatories: &[Collectivite]) -> Vec<Stage> {
    let n = signatories.len();
    let index = |code: &str| signatories.iter().position(|c| c.code == code);
    let mut late: Vec<usize> = Vec::new();
    // Allier has not transmitted; every other region of two signatories or more has at
    // least one of them late.
    late.extend(index("03"));
    for region in geo::REGIONS.iter() {
        let members: Vec<usize> = signatories
            .iter()
            .enumerate()
            .filter(|(_, c)| c.region_code() == region.code)
            .map(|(i, _)| i)
            .collect();
        if members.len() < 2 || members.iter().any(|i| late.contains(i)) {
            continue;
        }
        late.push(r.pick(&members));
    }
    let mut others: Vec<usize> = (0..n).filter(|i| !late.contains(i)).collect();
    r.shuffle(&mut others);
    while late.len() < NOT_TRANSMITTED_2025 {
        match others.pop() {
            Some(i) => late.push(i),
            None => break,
        }
    }
    let mut out = vec![Stage::Transmitted; n];
    for i in others.iter().take(APPROVED_2025) {
        out[*i] = Stage::Approved;
    }
    r.shuffle(&mut late);
    let adopted = late.len() / 2;
    for (k, i) in late.iter().enumerate() {
        out[*i] = if k < adopted { Stage::Adopted } else { Stage::Draft };
    }
    out
}
