#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

fn spec(holder: Option<&str>, renewed_secs_ago: i64, duration: i32) -> LeaseSpec {
    LeaseSpec {
        holder_identity: holder.map(str::to_string),
        lease_duration_seconds: Some(duration),
        renew_time: Some(MicroTime(
            Timestamp::now() - SignedDuration::from_secs(renewed_secs_ago),
        )),
        lease_transitions: Some(3),
        ..Default::default()
    }
}

#[test]
fn a_valid_lease_of_another_is_held_and_an_expired_one_is_taken() {
    let now = Timestamp::now();
    assert_eq!(decide(None, "me", now), Decision::Take { transition: true });
    assert_eq!(
        decide(Some(&spec(Some("other"), 5, 15)), "me", now),
        Decision::Held {
            holder: "other".into()
        }
    );
    assert_eq!(
        decide(Some(&spec(Some("other"), 20, 15)), "me", now),
        Decision::Take { transition: true }
    );
    assert_eq!(
        decide(Some(&spec(Some("me"), 5, 15)), "me", now),
        Decision::Take { transition: false }
    );
    assert_eq!(
        decide(Some(&spec(None, 0, 1)), "me", now),
        Decision::Take { transition: true }
    );
    assert_eq!(
        decide(Some(&spec(Some(""), 0, 15)), "me", now),
        Decision::Take { transition: true }
    );
}

#[test]
fn taking_over_counts_a_transition_and_renewing_keeps_the_acquire_time() {
    let opts = LeaderOptions::new("flux-system", LEASE_NAME);
    assert_eq!(opts.lease_duration, Duration::from_secs(15));
    assert_eq!(opts.retry_period, Duration::from_secs(2));
    let now = Timestamp::now();
    let old = spec(Some("other"), 20, 15);
    let taken = taken_spec(Some(&old), &opts, true, now);
    assert_eq!(
        taken.holder_identity.as_deref(),
        Some(opts.identity.as_str())
    );
    assert_eq!(taken.lease_transitions, Some(4));
    assert_eq!(taken.lease_duration_seconds, Some(15));
    assert_eq!(taken.acquire_time, Some(MicroTime(now)));
    let later = now + SignedDuration::from_secs(2);
    let renewed = taken_spec(Some(&taken), &opts, false, later);
    assert_eq!(renewed.acquire_time, Some(MicroTime(now)));
    assert_eq!(renewed.renew_time, Some(MicroTime(later)));
    assert_eq!(renewed.lease_transitions, Some(4));
}

fn quick(identity: &str) -> LeaderOptions {
    LeaderOptions {
        identity: identity.to_string(),
        lease_duration: Duration::from_secs(3),
        renew_deadline: Duration::from_secs(2),
        retry_period: Duration::from_millis(200),
        ..LeaderOptions::new("default", LEASE_NAME)
    }
}

/// A candidate that counts itself in `leading` while it does its work.
fn candidate(
    client: kube::Client,
    identity: &str,
    leading: Arc<AtomicUsize>,
    led: Arc<AtomicUsize>,
) -> (
    watch::Sender<bool>,
    tokio::task::JoinHandle<Result<(), LeaderError>>,
) {
    let (stop, rx) = watch::channel(false);
    let opts = quick(identity);
    let task = tokio::spawn(lead(
        client,
        opts,
        rx,
        move |mut done: watch::Receiver<bool>| async move {
            leading.fetch_add(1, Ordering::SeqCst);
            led.fetch_add(1, Ordering::SeqCst);
            let _ = done.wait_for(|d| *d).await;
            leading.fetch_sub(1, Ordering::SeqCst);
        },
    ));
    (stop, task)
}

async fn holder(client: &kube::Client) -> Option<String> {
    let api: Api<Lease> = Api::namespaced(client.clone(), "default");
    api.get_opt(LEASE_NAME)
        .await
        .unwrap()
        .and_then(|l| l.spec?.holder_identity)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_of_two_candidates_leads_and_the_other_takes_over_when_it_stops() {
    let cluster = gitops_devcluster::cluster::DevCluster::start(Default::default()).unwrap();
    let client = cluster.client().unwrap();
    let leading = Arc::new(AtomicUsize::new(0));
    let (led_a, led_b) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (stop_a, task_a) = candidate(client.clone(), "a", leading.clone(), led_a.clone());
    let (stop_b, task_b) = candidate(client.clone(), "b", leading.clone(), led_b.clone());

    // Exactly one leads, for several renewal periods.
    let start = Instant::now();
    while leading.load(Ordering::SeqCst) == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "nobody acquired the lease"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for _ in 0..15 {
        assert_eq!(leading.load(Ordering::SeqCst), 1, "exactly one leader");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let first = holder(&client).await.unwrap();
    let (stop_first, task_first, led_second, second) = if first == "a" {
        (stop_a, task_a, led_b.clone(), "b")
    } else {
        (stop_b, task_b, led_a.clone(), "a")
    };
    assert_eq!(
        led_second.load(Ordering::SeqCst),
        0,
        "the standby has not led"
    );

    // The leader stops: it releases the lease and the standby takes over.
    stop_first.send(true).unwrap();
    task_first.await.unwrap().unwrap();
    let start = Instant::now();
    while led_second.load(Ordering::SeqCst) == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the standby never took over"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Released, not expired: well within the 3s lease duration.
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "took over after {:?}",
        start.elapsed()
    );
    assert_eq!(holder(&client).await.as_deref(), Some(second));
    assert_eq!(leading.load(Ordering::SeqCst), 1);
    let api: Api<Lease> = Api::namespaced(client.clone(), "default");
    let lease = api.get(LEASE_NAME).await.unwrap().spec.unwrap();
    assert_eq!(lease.lease_transitions, Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_whose_lease_is_taken_stops_and_reports_it() {
    let cluster = gitops_devcluster::cluster::DevCluster::start(Default::default()).unwrap();
    let client = cluster.client().unwrap();
    let leading = Arc::new(AtomicUsize::new(0));
    let led = Arc::new(AtomicUsize::new(0));
    let (_stop, task) = candidate(client.clone(), "a", leading.clone(), led.clone());
    let start = Instant::now();
    while leading.load(Ordering::SeqCst) == 0 {
        assert!(start.elapsed() < Duration::from_secs(10), "never acquired");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Another writer takes the lease over (as after a partition).
    let api: Api<Lease> = Api::namespaced(client.clone(), "default");
    let mut lease = api.get(LEASE_NAME).await.unwrap();
    lease.spec = Some(taken_spec(
        lease.spec.as_ref(),
        &quick("intruder"),
        true,
        Timestamp::now(),
    ));
    api.replace(LEASE_NAME, &PostParams::default(), &lease)
        .await
        .unwrap();
    let result = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(result, Err(LeaderError::Lost { .. })),
        "{result:?}"
    );
    assert_eq!(leading.load(Ordering::SeqCst), 0, "the work stopped");
    assert_eq!(holder(&client).await.as_deref(), Some("intruder"));
}
