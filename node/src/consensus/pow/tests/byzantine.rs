use super::*;
use crate::ledger::Transfer;

#[test]
fn selfish_keeps_its_lead_private_and_publishes_to_win() {
    let mut e = engine(0, ForkChoiceRule::Heaviest);
    let _ = e.handle(0, Input::SetBehaviour(Behaviour::Selfish));
    let mut now = 0;
    assert!(sent_blocks(&mine_one(&mut e, &mut now)).is_empty(), "found blocks stay private");
    assert!(sent_blocks(&mine_one(&mut e, &mut now)).is_empty());
    assert_eq!(detail(&e).private_blocks, 2);
    assert_eq!(e.head().height, 0, "the public view has not moved");
    // The honest miners find one: lead 2 becomes 1, so publish everything and win.
    let h1 = child(&e, &genesis(&e), 1, 10);
    let fx = deliver(&mut e, now, 1, &h1);
    let published: Vec<u64> =
        sent_blocks(&fx).iter().filter(|(to, _)| *to == Dest::All).map(|(_, b)| b.height).collect();
    assert_eq!(published, vec![1, 2]);
    assert_eq!(e.head().height, 2);
    assert_eq!(detail(&e).private_blocks, 0);
}

#[test]
fn selfish_races_on_a_tie_and_gives_up_when_behind() {
    let mut e = engine(0, ForkChoiceRule::Heaviest);
    let _ = e.handle(0, Input::SetBehaviour(Behaviour::Selfish));
    let mut now = 0;
    let _ = mine_one(&mut e, &mut now);
    let h1 = child(&e, &genesis(&e), 1, 10);
    let fx = deliver(&mut e, now, 1, &h1);
    let raced: Vec<u64> = sent_blocks(&fx).iter().filter(|(to, _)| *to == Dest::All).map(|(_, b)| b.height).collect();
    assert_eq!(raced, vec![1], "a tie: publish the private block to race");
    let h2 = child(&e, &h1, 1, 20);
    let _ = deliver(&mut e, now, 1, &h2);
    assert_eq!(e.head().hash, h2.id(), "the public chain won; the pool adopts it");
    assert!(sent_blocks(&mine_one(&mut e, &mut now)).is_empty(), "and mines privately on it");
    assert_eq!(detail(&e).private_blocks, 1);
}

/// The transfers an effect list gossips.
fn sent_txs(fx: &[Effect]) -> Vec<Transfer> {
    fx.iter()
        .filter_map(|f| match f {
            Effect::Send { kind: MsgKind::Tx, bytes, .. } => Transfer::decode(bytes).ok(),
            _ => None,
        })
        .collect()
}

#[test]
fn withhold_publishes_once_it_leads_by_slots_and_the_payment_is_k_deep() {
    let mut e = engine(0, ForkChoiceRule::Heaviest); // k = 3
    let _ = e.handle(0, Input::SetBehaviour(Behaviour::Withhold { slots: 2 }));
    let g = genesis(&e);
    let mut now = 0;
    let first = mine_one(&mut e, &mut now);
    assert!(sent_blocks(&first).is_empty());
    let paid = sent_txs(&first);
    assert_eq!(paid.len(), 1, "the attacker pays on the public chain when its branch starts");
    let paid = paid[0];
    assert_eq!((paid.from, paid.to, paid.amount), (0, 999, super::super::miner::PAYMENT));
    assert!(sent_blocks(&mine_one(&mut e, &mut now)).is_empty(), "lead 2, but nothing public to revert yet");
    // The honest miners include the payment in their first block.
    let mut state = crate::ledger::State::genesis(1000, 1_000_000_000);
    state.apply(&paid).expect("the payment applies");
    let mut public = Block {
        state_root: state.root(),
        tx_root: crate::consensus::pow::types::tx_root(&[paid]),
        txs: vec![paid],
        nonce: 0,
        ..child(&e, &g, 1, 10)
    }
    .mine(4)
    .expect("4 bits");
    for ts in [10, 20, 30] {
        if ts > 10 {
            public = child(&e, &public, 1, ts);
        }
        let own = sent_blocks(&deliver(&mut e, now, 1, &public)).into_iter().filter(|(_, b)| b.miner == 0).count();
        assert_eq!(own, 0, "public height {}", public.height);
    }
    assert_eq!(detail(&e).private_blocks, 2, "behind by one: not hopeless, keep mining");
    assert!(sent_blocks(&mine_one(&mut e, &mut now)).is_empty(), "a tie");
    assert!(sent_blocks(&mine_one(&mut e, &mut now)).is_empty(), "lead 1 of 2");
    let fx = mine_one(&mut e, &mut now);
    let released: Vec<u64> = sent_blocks(&fx).iter().map(|(_, b)| b.height).collect();
    assert_eq!(released, vec![1, 2, 3, 4, 5], "lead 2 over a payment 3 = k deep: the whole branch at once");
    assert_eq!(e.head().height, 5);
    let spend = fx.iter().find_map(|f| match f {
        Effect::Report(Event::DoubleSpend { paid: p, spent, elsewhere, .. }) => Some((*p, *spent, *elsewhere)),
        _ => None,
    });
    let (p, spent, elsewhere) = spend.expect("a DoubleSpend report");
    assert_eq!((p, elsewhere), (paid.id(), 998));
    assert!(
        matches!(e.tx_status(&spent), crate::ledger::TxStatus::Included { .. }),
        "the private half is on the chain"
    );
    assert!(matches!(e.tx_status(&paid.id()), crate::ledger::TxStatus::Rejected(_)), "the payment is gone");
}

#[test]
fn equivocate_sends_twin_blocks_to_each_half() {
    let mut e = engine(0, ForkChoiceRule::Heaviest);
    let _ = e.handle(0, Input::SetBehaviour(Behaviour::Equivocate));
    let mut now = 0;
    let sent = sent_blocks(&mine_one(&mut e, &mut now));
    assert_eq!(sent.len(), 2);
    assert_ne!(sent[0].1.id(), sent[1].1.id());
    assert_eq!(sent[0].1.height, sent[1].1.height);
    assert!(matches!((&sent[0].0, &sent[1].0), (Dest::Peers(a), Dest::Peers(b)) if !a.is_empty() && !b.is_empty()));
}

#[test]
fn leaving_withhold_releases_the_branch() {
    let mut e = engine(0, ForkChoiceRule::Heaviest);
    let _ = e.handle(0, Input::SetBehaviour(Behaviour::Withhold { slots: 5 }));
    let mut now = 0;
    let _ = mine_one(&mut e, &mut now);
    let fx = e.handle(now, Input::SetBehaviour(Behaviour::Honest));
    assert_eq!(sent_blocks(&fx).len(), 1);
    assert_eq!(e.head().height, 1);
}
