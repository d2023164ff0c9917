//! `describe::Description` in its protobuf form, for `Observer.Describe`:
//! a stock gRPC client learns from it what the cells of
//! `NodeStatus.detail` are (column headers, the words `Cell.word` indexes,
//! the header facts) without this crate.
//!
//! Rules: encoding is total and loses nothing the dashboard draws from
//! (every field, every column, every word, in order); the dashboard itself
//! takes the description from the node crate it links, which is the same
//! code, so the two cannot disagree within one build.

use crate::consensus::describe::{
    Column, Description, Finality, Headline, LagChart, Source, Trailer, TreePane, ValidatorsPane,
};
use devnet_proto::v1 as pb;

pub fn to_pb(d: &Description) -> pb::Description {
    pb::Description {
        engine: d.engine.to_string(),
        axis: Some(pb::Axis { word: d.axis.word.into(), letter: d.axis.letter.into(), clock: d.axis.clock }),
        epochs: d.epochs,
        mined: d.mined,
        finality: Some(finality(&d.finality)),
        headline: headline(d.headline) as i32,
        trailer: trailer(d.trailer) as i32,
        lag: lag(d.lag) as i32,
        tree: Some(tree(&d.tree)),
        node_columns: d.node_columns.iter().map(column).collect(),
        validators: Some(validators(&d.validators)),
        words: d.words.iter().map(|w| w.to_string()).collect(),
        facts: d
            .facts
            .iter()
            .map(|(label, priority)| pb::Fact { label: label.to_string(), priority: u32::from(*priority) })
            .collect(),
        round_word: d.round_word.into(),
        round_letter: d.round_letter.into(),
        stall_slots: d.stall_slots,
        stall_half_epochs: d.stall_half_epochs,
    }
}

fn finality(f: &Finality) -> pb::Finality {
    pb::Finality {
        word: f.word.into(),
        label: f.label.into(),
        missing: f.missing.into(),
        probabilistic: f.probabilistic,
        by_epoch: f.by_epoch,
        justified: f.justified.map(str::to_string),
    }
}

fn headline(h: Headline) -> pb::Headline {
    match h {
        Headline::SlotEpoch => pb::Headline::SlotEpoch,
        Headline::Position => pb::Headline::Position,
        Headline::Height => pb::Headline::Height,
    }
}

fn trailer(t: Trailer) -> pb::Trailer {
    match t {
        Trailer::Lag => pb::Trailer::Lag,
        Trailer::FailedRounds => pb::Trailer::FailedRounds,
        Trailer::DeepestReorg => pb::Trailer::DeepestReorg,
    }
}

fn lag(l: LagChart) -> pb::LagChart {
    match l {
        LagChart::FinalityLag => pb::LagChart::FinalityLag,
        LagChart::SinceCommit => pb::LagChart::SinceCommit,
    }
}

fn tree(t: &TreePane) -> pb::TreePane {
    pb::TreePane {
        title: t.title.into(),
        legend: t.legend.into(),
        failed_rounds: t.failed_rounds,
        proposer_word: t.proposer_word.into(),
        votes_word: t.votes_word.map(str::to_string),
        votes_are_commit: t.votes_are_commit,
        confirmations: t.confirmations,
        equivocation: t.equivocation.into(),
    }
}

fn validators(v: &ValidatorsPane) -> pb::ValidatorsPane {
    pb::ValidatorsPane { word: v.word.into(), title: v.title.into(), columns: v.columns.iter().map(column).collect() }
}

fn column(c: &Column) -> pb::Column {
    use pb::ColumnSource as S;
    let (source, cell) = match c.source {
        Source::Cell(i) => (S::SourceCell, i),
        Source::Own(i) => (S::SourceOwn, i),
        Source::Seen(i) => (S::SourceSeen, i),
        Source::Head => (S::SourceHead, 0),
        Source::Justified => (S::SourceJustified, 0),
        Source::Finalized => (S::SourceFinalized, 0),
        Source::Lag => (S::SourceLag, 0),
        Source::Peers => (S::SourcePeers, 0),
        Source::Pool => (S::SourcePool, 0),
        Source::Reorgs => (S::SourceReorgs, 0),
        Source::ReorgsLast => (S::SourceReorgsLast, 0),
        Source::Faults => (S::SourceFaults, 0),
        Source::Key => (S::SourceKey, 0),
        Source::Stake => (S::SourceStake, 0),
        Source::Share => (S::SourceShare, 0),
        Source::Status => (S::SourceStatus, 0),
        Source::Participation => (S::SourceParticipation, 0),
        Source::LastVote => (S::SourceLastVote, 0),
        Source::Proposed => (S::SourceProposed, 0),
    };
    pb::Column {
        header: c.header.into(),
        min: u32::from(c.min),
        priority: u32::from(c.priority),
        kept: c.kept,
        source: source as i32,
        cell: u32::from(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consensus::{ENGINES, description};

    /// Every engine's description goes over the wire whole: the columns and
    /// words a client needs to read `Detail` are the dashboard's own.
    #[test]
    fn every_description_encodes_its_columns_words_and_facts() {
        for engine in ENGINES {
            let d = description(engine).expect("every engine describes itself");
            let p = to_pb(d);
            assert_eq!(p.engine, *engine);
            let headers = |cols: &[pb::Column]| cols.iter().map(|c| c.header.clone()).collect::<Vec<_>>();
            assert_eq!(headers(&p.node_columns), d.node_columns.iter().map(|c| c.header).collect::<Vec<_>>());
            let v = p.validators.as_ref().unwrap();
            assert_eq!(headers(&v.columns), d.validators.columns.iter().map(|c| c.header).collect::<Vec<_>>());
            assert_eq!(p.words, d.words);
            assert_eq!(
                p.facts.iter().map(|f| f.label.as_str()).collect::<Vec<_>>(),
                d.facts.iter().map(|f| f.0).collect::<Vec<_>>()
            );
            let f = p.finality.as_ref().unwrap();
            assert_eq!(
                (f.word.as_str(), f.label.as_str(), f.missing.as_str(), f.probabilistic, f.by_epoch),
                (d.finality.word, d.finality.label, d.finality.missing, d.finality.probabilistic, d.finality.by_epoch)
            );
            assert_eq!(f.justified.as_deref(), d.finality.justified);
            let a = p.axis.as_ref().unwrap();
            assert_eq!((a.word.as_str(), a.letter.as_str(), a.clock), (d.axis.word, d.axis.letter, d.axis.clock));
            assert_eq!((p.epochs, p.mined), (d.epochs, d.mined));
            assert_eq!((p.round_word.as_str(), p.round_letter.as_str()), (d.round_word, d.round_letter));
            assert_eq!((p.stall_slots, p.stall_half_epochs), (d.stall_slots, d.stall_half_epochs));
            let t = p.tree.as_ref().unwrap();
            assert_eq!(
                (t.title.as_str(), t.legend.as_str(), t.proposer_word.as_str(), t.votes_word.as_deref()),
                (d.tree.title, d.tree.legend, d.tree.proposer_word, d.tree.votes_word)
            );
            assert_eq!(
                (t.failed_rounds, t.votes_are_commit, t.confirmations, t.equivocation.as_str()),
                (d.tree.failed_rounds, d.tree.votes_are_commit, d.tree.confirmations, d.tree.equivocation)
            );
            assert_eq!((v.word.as_str(), v.title.as_str()), (d.validators.word, d.validators.title));
            // The enums by name: each variant maps to the proto value of the same name.
            let name = |s: &str| s.to_lowercase().replace('_', "");
            assert!(name(p.headline().as_str_name()).ends_with(&name(&format!("{:?}", d.headline))), "{engine}");
            assert!(name(p.trailer().as_str_name()).ends_with(&name(&format!("{:?}", d.trailer))), "{engine}");
            assert!(name(p.lag().as_str_name()).ends_with(&name(&format!("{:?}", d.lag))), "{engine}");
            for (c, col) in
                d.node_columns.iter().chain(d.validators.columns).zip(p.node_columns.iter().chain(&v.columns))
            {
                assert_eq!((c.min as u32, c.priority as u32, c.kept), (col.min, col.priority, col.kept), "{engine}");
                let source = format!("{:?}", c.source);
                let source = source.split('(').next().unwrap();
                assert!(name(col.source().as_str_name()).ends_with(&name(source)), "{engine}: {source}");
            }
            for (c, col) in d.node_columns.iter().zip(&p.node_columns) {
                if let Source::Cell(i) = c.source {
                    assert_eq!(
                        (col.source(), col.cell),
                        (pb::ColumnSource::SourceCell, u32::from(i)),
                        "{engine} {}",
                        c.header
                    );
                }
            }
        }
    }
}
