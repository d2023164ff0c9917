use super::*;

#[test]
fn an_honest_miner_publishes_to_everyone_and_confirms_k_deep() {
    let mut e = engine(0, ForkChoiceRule::Heaviest);
    let mut now = 0;
    let _ = e.handle(0, Input::Start);
    let mut mined = Vec::new();
    for _ in 0..4 {
        let fx = mine_one(&mut e, &mut now);
        let sent = sent_blocks(&fx);
        assert_eq!(sent.len(), 1, "one block per find");
        assert_eq!(sent[0].0, Dest::All);
        mined.push(sent[0].1.clone());
    }
    let st = e.status(now);
    assert_eq!(st.head.height, 4);
    assert_eq!(st.finalized.block.height, 2, "k = 3: the tip and two below are unconfirmed");
    assert_eq!(st.finalized.block.hash, mined[1].id());
    assert_eq!(detail(&e).private_blocks, 0);
}

#[test]
fn invalid_blocks_are_rejected_and_unknown_parents_are_fetched() {
    let mut e = engine(1, ForkChoiceRule::Heaviest);
    let g = genesis(&e);
    let good = child(&e, &g, 2, 10);
    let rejected = |fx: &[Effect]| fx.iter().any(|f| matches!(f, Effect::Report(Event::Rejected { .. })));

    let wrong_difficulty = Block { difficulty: good.difficulty + 1, ..good.clone() }.mine(4).expect("mines");
    assert!(rejected(&deliver(&mut e, 10, 2, &wrong_difficulty)));
    let unknown_miner = Block { miner: 9, ..good.clone() }.mine(4).expect("mines");
    assert!(rejected(&deliver(&mut e, 10, 2, &unknown_miner)));
    let garbage = e.handle(10, Input::Message { from: PeerId(2), kind: MsgKind::Block, bytes: vec![1, 2, 3] });
    assert!(rejected(&garbage));

    // A grandchild first: kept as an orphan, its parent asked for from the sender.
    let grandchild = child(&e, &good, 3, 20);
    let fx = deliver(&mut e, 20, 3, &grandchild);
    assert!(fx.iter().any(|f| matches!(f, Effect::Send { to: Dest::Peer(PeerId(3)), kind: MsgKind::SyncRequest, .. })));
    assert_eq!(e.head().height, 0);
    let fx = deliver(&mut e, 21, 2, &good);
    assert_eq!(e.head().height, 2, "the orphan joins once its parent arrives");
    assert!(fx.iter().any(|f| matches!(f, Effect::Report(Event::HeadChanged { .. }))));
}

#[test]
fn a_heavier_branch_reorgs_and_reports_the_depth() {
    let mut e = engine(1, ForkChoiceRule::Heaviest);
    let g = genesis(&e);
    let a1 = child(&e, &g, 2, 10);
    let a2 = child(&e, &a1, 2, 20);
    let b1 = child(&e, &g, 3, 11);
    let b2 = child(&e, &b1, 3, 21);
    let b3 = child(&e, &b2, 3, 31);
    for b in [&a1, &a2, &b1, &b2] {
        let _ = deliver(&mut e, 40, 2, b);
    }
    assert_eq!(e.head().hash, a2.id(), "equal work: the first seen stays");
    let fx = deliver(&mut e, 40, 3, &b3);
    let depth = fx.iter().find_map(|f| match f {
        Effect::Report(Event::HeadChanged { reorg_depth, .. }) => Some(*reorg_depth),
        _ => None,
    });
    assert_eq!(depth, Some(2));
    assert_eq!(e.head().hash, b3.id());
}

#[test]
fn a_restart_rebuilds_the_same_chain_from_the_records() {
    let mut e = engine(0, ForkChoiceRule::Ghost);
    let mut now = 0;
    let mut records = Vec::new();
    for _ in 0..6 {
        for f in mine_one(&mut e, &mut now) {
            if let Effect::Persist(r) = f {
                records.push(r);
            }
        }
    }
    let mut again = engine(0, ForkChoiceRule::Ghost);
    again.restore(records.clone()).expect("restore");
    assert_eq!(again.status(0).head, e.status(0).head);
    assert_eq!(again.status(0).finalized, e.status(0).finalized);

    records[0].value[0] ^= 1;
    assert!(engine(0, ForkChoiceRule::Ghost).restore(records).is_err(), "a corrupt record is an error");
}

#[test]
fn hashrate_zero_stops_mining() {
    let mut e = engine(0, ForkChoiceRule::Heaviest);
    let mut now = 0;
    let _ = e.handle(0, Input::SetHashrate { percent: 0 });
    assert!(sent_blocks(&mine_one(&mut e, &mut now)).is_empty());
    assert_eq!(detail(&e).hashrate_percent, 0);
    let _ = e.handle(now, Input::SetHashrate { percent: 60 });
    assert_eq!(sent_blocks(&mine_one(&mut e, &mut now)).len(), 1);
}
