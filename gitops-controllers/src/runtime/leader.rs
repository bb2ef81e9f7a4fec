//! Leader election on a `coordination.k8s.io/v1` Lease, as controller-runtime runs it
//! for Flux's controllers (client-go's `leaderelection` over a `LeaseLock`).
//!
//! # Flow
//! 1. **Acquire**: every [`LeaderOptions::retry_period`] read the Lease; create it when
//!    missing, take it over when it is free (no holder) or expired (`renewTime` +
//!    `leaseDurationSeconds` in the past), otherwise wait. Writes carry the Lease's
//!    `resourceVersion`, so of two candidates racing for an expired Lease exactly one
//!    wins (the other gets a 409 and keeps waiting).
//! 2. **Lead**: run the work; renew the Lease every `retry_period`.
//! 3. **Stop**: when the shutdown signal fires the work is asked to stop; when it has
//!    stopped the Lease is released (holder cleared, duration 1s) so that a standby
//!    takes over at its next retry instead of waiting for the Lease to expire.
//!
//! # Guarantees and caveats
//! - Only the holder runs the work. A leader that cannot renew for
//!   [`LeaderOptions::renew_deadline`] (shorter than the lease duration), or that finds
//!   the Lease taken by another identity, stops its work and [`lead`] returns
//!   [`LeaderError::Lost`]; like controller-runtime, the process should then exit.
//! - Safety relies on clocks advancing at similar rates, as client-go's does: the
//!   renew deadline stops the work before the Lease can expire for the others.

use std::future::Future;
use std::time::{Duration, Instant};

use gitops_core::k8s::k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use gitops_core::k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use gitops_core::k8s::k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::api::{Api, PostParams};
use tokio::sync::watch;

/// The Lease name of the gitops controller manager.
pub const LEASE_NAME: &str = "gitops-controller-leader-election";

/// Settings of an election (controller-runtime's defaults: 15s lease, 10s renew
/// deadline, 2s retry period).
#[derive(Clone, Debug)]
pub struct LeaderOptions {
    /// The Lease's namespace.
    pub namespace: String,
    /// The Lease's name.
    pub name: String,
    /// This candidate's identity (`holderIdentity`).
    pub identity: String,
    /// How long a Lease stays valid after its last renewal.
    pub lease_duration: Duration,
    /// How long the leader keeps working while renewals fail.
    pub renew_deadline: Duration,
    /// How often candidates try to acquire and the leader renews.
    pub retry_period: Duration,
}

impl LeaderOptions {
    /// The defaults for Lease `namespace/name`, identified by host name and process id.
    pub fn new(namespace: &str, name: &str) -> LeaderOptions {
        LeaderOptions {
            namespace: namespace.to_string(),
            name: name.to_string(),
            identity: default_identity(),
            lease_duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
        }
    }
}

/// `<hostname>_<pid>_<start nanos>`: unique per process, readable in `kubectl get lease`.
pub fn default_identity() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{host}_{}_{nanos:08x}", std::process::id())
}

/// Why an election ended badly.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LeaderError {
    /// A Lease request failed in a way retrying does not fix.
    #[error("lease {namespace}/{name}: {action}: {source}")]
    Kube {
        /// The Lease's namespace.
        namespace: String,
        /// The Lease's name.
        name: String,
        /// What was being done.
        action: &'static str,
        /// The client error.
        #[source]
        source: kube::Error,
    },
    /// This candidate led and lost the Lease before it was asked to stop.
    #[error("lease {namespace}/{name}: leadership lost: {reason}")]
    Lost {
        /// The Lease's namespace.
        namespace: String,
        /// The Lease's name.
        name: String,
        /// Why (taken by another holder, renewals failing).
        reason: String,
    },
}

/// What a candidate may do with the Lease it read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Write ourselves as holder; `transition` when the holder changes.
    Take {
        /// The holder changes (a new `acquireTime`, `leaseTransitions` + 1).
        transition: bool,
    },
    /// Someone else holds a valid Lease.
    Held {
        /// Its holder.
        holder: String,
    },
}

/// Decides from the Lease's spec (`None`: no Lease yet) at time `now`.
pub fn decide(spec: Option<&LeaseSpec>, identity: &str, now: Timestamp) -> Decision {
    let Some(spec) = spec else {
        return Decision::Take { transition: true };
    };
    let holder = spec.holder_identity.clone().unwrap_or_default();
    if holder == identity {
        return Decision::Take { transition: false };
    }
    if holder.is_empty() {
        return Decision::Take { transition: true };
    }
    let seconds = i64::from(spec.lease_duration_seconds.unwrap_or(0).max(0));
    let expired = match &spec.renew_time {
        Some(MicroTime(renewed)) => renewed
            .checked_add(SignedDuration::from_secs(seconds))
            .is_ok_and(|until| until < now),
        None => true,
    };
    if expired {
        Decision::Take { transition: true }
    } else {
        Decision::Held { holder }
    }
}

/// The spec written by a candidate taking the Lease (see [`decide`]).
pub fn taken_spec(
    old: Option<&LeaseSpec>,
    opts: &LeaderOptions,
    transition: bool,
    now: Timestamp,
) -> LeaseSpec {
    // client-go counts a transition whenever an existing Lease changes holder (a
    // released one included), not when it is created.
    let existed = old.is_some();
    let old = old.cloned().unwrap_or_default();
    let transitions = old.lease_transitions.unwrap_or(0);
    LeaseSpec {
        holder_identity: Some(opts.identity.clone()),
        lease_duration_seconds: Some(
            i32::try_from(opts.lease_duration.as_secs())
                .unwrap_or(i32::MAX)
                .max(1),
        ),
        acquire_time: if transition || old.acquire_time.is_none() {
            Some(MicroTime(now))
        } else {
            old.acquire_time
        },
        renew_time: Some(MicroTime(now)),
        lease_transitions: Some(if transition && existed {
            transitions + 1
        } else {
            transitions
        }),
        ..old
    }
}

/// One election round: reads the Lease and takes or renews it when [`decide`] allows.
/// `Ok(true)`: we hold it now; `Ok(false)`: someone else does (or won a race).
pub async fn try_acquire(api: &Api<Lease>, opts: &LeaderOptions) -> Result<bool, LeaderError> {
    let kube_err = |action, source| LeaderError::Kube {
        namespace: opts.namespace.clone(),
        name: opts.name.clone(),
        action,
        source,
    };
    let now = Timestamp::now();
    let current = api
        .get_opt(&opts.name)
        .await
        .map_err(|e| kube_err("reading", e))?;
    match current {
        None => {
            let lease = Lease {
                metadata: kube::api::ObjectMeta {
                    name: Some(opts.name.clone()),
                    namespace: Some(opts.namespace.clone()),
                    ..Default::default()
                },
                spec: Some(taken_spec(None, opts, true, now)),
            };
            match api.create(&PostParams::default(), &lease).await {
                Ok(_) => Ok(true),
                Err(kube::Error::Api(s)) if s.code == 409 => Ok(false),
                Err(e) => Err(kube_err("creating", e)),
            }
        }
        Some(mut lease) => match decide(lease.spec.as_ref(), &opts.identity, now) {
            Decision::Held { .. } => Ok(false),
            Decision::Take { transition } => {
                lease.spec = Some(taken_spec(lease.spec.as_ref(), opts, transition, now));
                match api
                    .replace(&opts.name, &PostParams::default(), &lease)
                    .await
                {
                    Ok(_) => Ok(true),
                    Err(kube::Error::Api(s)) if s.code == 409 => Ok(false),
                    Err(e) => Err(kube_err("updating", e)),
                }
            }
        },
    }
}

/// Gives the Lease up if we hold it (client-go's `ReleaseOnCancel`).
pub async fn release(api: &Api<Lease>, opts: &LeaderOptions) -> Result<(), LeaderError> {
    let kube_err = |action, source| LeaderError::Kube {
        namespace: opts.namespace.clone(),
        name: opts.name.clone(),
        action,
        source,
    };
    let Some(mut lease) = api
        .get_opt(&opts.name)
        .await
        .map_err(|e| kube_err("reading", e))?
    else {
        return Ok(());
    };
    let mut spec = lease.spec.clone().unwrap_or_default();
    if spec.holder_identity.as_deref() != Some(opts.identity.as_str()) {
        return Ok(());
    }
    let now = MicroTime(Timestamp::now());
    spec.holder_identity = None;
    spec.lease_duration_seconds = Some(1);
    spec.renew_time = Some(now.clone());
    spec.acquire_time = Some(now);
    lease.spec = Some(spec);
    api.replace(&opts.name, &PostParams::default(), &lease)
        .await
        .map(|_| ())
        .map_err(|e| kube_err("releasing", e))
}

/// Waits for the Lease, then runs `work` while leading (see the module docs).
///
/// `stop` firing (`true`) ends the wait or asks the work to stop; `work` receives the
/// receiver it must stop on (fired by `stop` or by a lost Lease). Returns `Ok(())` when
/// stopped by `stop` (after releasing the Lease), [`LeaderError::Lost`] when the Lease
/// was lost while leading.
pub async fn lead<W, Fut>(
    client: kube::Client,
    opts: LeaderOptions,
    mut stop: watch::Receiver<bool>,
    work: W,
) -> Result<(), LeaderError>
where
    W: FnOnce(watch::Receiver<bool>) -> Fut,
    Fut: Future<Output = ()>,
{
    let api: Api<Lease> = Api::namespaced(client, &opts.namespace);
    loop {
        if *stop.borrow() {
            return Ok(());
        }
        match try_acquire(&api, &opts).await {
            Ok(true) => break,
            Ok(false) => {}
            Err(e) => tracing::warn!("leader election: {e}"),
        }
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() {
                    return Ok(());
                }
            }
            () = tokio::time::sleep(opts.retry_period) => {}
        }
    }
    tracing::info!(lease = %format!("{}/{}", opts.namespace, opts.name), identity = %opts.identity, "acquired the lease");
    let (work_stop, work_rx) = watch::channel(false);
    let work = work(work_rx);
    tokio::pin!(work);
    let mut last_renewal = Instant::now();
    let mut lost: Option<String> = None;
    let mut stopping = false;
    loop {
        tokio::select! {
            () = &mut work => break,
            changed = stop.changed(), if !stopping => {
                if changed.is_err() || *stop.borrow() {
                    stopping = true;
                    let _ = work_stop.send(true);
                }
            }
            () = tokio::time::sleep(opts.retry_period), if !stopping => {
                match try_acquire(&api, &opts).await {
                    Ok(true) => last_renewal = Instant::now(),
                    Ok(false) => lost = Some("the lease is held by another candidate".to_string()),
                    Err(e) if last_renewal.elapsed() >= opts.renew_deadline => {
                        lost = Some(format!("no renewal for {:?}: {e}", opts.renew_deadline));
                    }
                    Err(e) => tracing::warn!("leader election: renewing: {e}"),
                }
                if lost.is_some() {
                    stopping = true;
                    let _ = work_stop.send(true);
                }
            }
        }
    }
    if let Some(reason) = lost {
        return Err(LeaderError::Lost {
            namespace: opts.namespace,
            name: opts.name,
            reason,
        });
    }
    release(&api, &opts).await
}

#[cfg(test)]
#[path = "leader_tests.rs"]
mod tests;
