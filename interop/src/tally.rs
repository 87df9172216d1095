//! Counting cells: run, passed, skipped (with the reason), failed.

use std::fmt::Write;

use crate::Failure;

/// A table row: scenario, peer, direction.
type RowKey = (String, String, String);

/// The result of one cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellResult {
    /// Every step passed.
    Pass,
    /// A side lacks the feature; never counted as a pass.
    Skip(String),
    /// A step failed.
    Fail(String),
}

/// One cell's key and result.
#[derive(Debug, Clone)]
pub struct Cell {
    /// The scenario.
    pub scenario: String,
    /// The other library (or "all three").
    pub peer: String,
    /// The cipher suite.
    pub suite: u16,
    /// Who creates and commits: "ours" or the peer.
    pub direction: String,
    /// Handshake framing.
    pub handshake: String,
    /// The result.
    pub result: CellResult,
}

/// All cells run so far.
#[derive(Debug, Default)]
pub struct Tally {
    /// Every cell in the order run.
    pub cells: Vec<Cell>,
    /// Application messages decrypted across all cells.
    pub app_messages: usize,
}

impl Tally {
    /// Records a cell from its outcome.
    pub fn record(
        &mut self,
        scenario: &str,
        peer: &str,
        suite: u16,
        direction: &str,
        handshake: &str,
        outcome: Result<(), Failure>,
    ) {
        let result = match outcome {
            Ok(()) => CellResult::Pass,
            Err(Failure::Unsupported(why)) => CellResult::Skip(why),
            Err(Failure::Error(e)) => CellResult::Fail(e),
        };
        self.cells.push(Cell {
            scenario: scenario.into(),
            peer: peer.into(),
            suite,
            direction: direction.into(),
            handshake: handshake.into(),
            result,
        });
    }

    /// Appends another tally.
    pub fn merge(&mut self, other: Tally) {
        self.cells.extend(other.cells);
        self.app_messages += other.app_messages;
    }

    /// `(run, passed, skipped, failed)`.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let passed = self
            .cells
            .iter()
            .filter(|c| c.result == CellResult::Pass)
            .count();
        let skipped = self
            .cells
            .iter()
            .filter(|c| matches!(c.result, CellResult::Skip(_)))
            .count();
        let run = self.cells.len();
        (run, passed, skipped, run - passed - skipped)
    }

    /// A table: one row per scenario, peer and direction; the suites
    /// that passed per handshake framing, and the skip reasons.
    pub fn table(&self) -> String {
        // Rows in the order their first cell ran.
        let mut rows: Vec<(RowKey, Vec<&Cell>)> = Vec::new();
        for c in &self.cells {
            let key = (c.scenario.clone(), c.peer.clone(), c.direction.clone());
            match rows.iter_mut().find(|(k, _)| *k == key) {
                Some((_, cells)) => cells.push(c),
                None => rows.push((key, vec![c])),
            }
        }
        let mut out = String::new();
        let _ = writeln!(
            out,
            "| scenario | peer | creates/commits | public handshakes | private handshakes |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|");
        for ((scenario, peer, direction), cells) in rows {
            let col = |hs: &str| {
                // Suites grouped by result, in run order.
                let mut groups: Vec<(String, Vec<u16>)> = Vec::new();
                for c in cells.iter().filter(|c| c.handshake == hs) {
                    let label = match &c.result {
                        CellResult::Pass => "pass".to_string(),
                        CellResult::Skip(why) => format!("not supported: {why}"),
                        CellResult::Fail(_) => "FAIL".to_string(),
                    };
                    match groups.iter_mut().find(|(l, _)| *l == label) {
                        Some((_, suites)) => suites.push(c.suite),
                        None => groups.push((label, vec![c.suite])),
                    }
                }
                if groups.is_empty() {
                    return "-".to_string();
                }
                groups
                    .iter()
                    .map(|(label, suites)| {
                        let list: Vec<String> = suites.iter().map(u16::to_string).collect();
                        format!("{label} (suites {})", list.join(", "))
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let _ = writeln!(
                out,
                "| {scenario} | {peer} | {direction} | {} | {} |",
                col("public"),
                col("private")
            );
        }
        out
    }

    /// The failed cells with their errors.
    pub fn failures(&self) -> Vec<String> {
        self.cells
            .iter()
            .filter_map(|c| match &c.result {
                CellResult::Fail(e) => Some(format!(
                    "{} / {} / suite {} / {} commits / {}: {e}",
                    c.scenario, c.peer, c.suite, c.direction, c.handshake
                )),
                _ => None,
            })
            .collect()
    }
}
