//! Work on many independent items spread over the machine's cores, the results in the
//! items' order: a large stack is built, its state read and its plan computed per
//! resource, and each resource's share needs only its own inputs.

use std::num::NonZeroUsize;

/// Below this many resources' work a second thread costs more than it saves (a
/// 1,000-resource plan was slower on two).
const WORTH_A_THREAD: usize = 2048;

/// `f` of every item, in order, computed on up to as many threads as there are cores
/// (the calling thread is one of them). Each thread takes one run of consecutive items,
/// so results come back without sorting; a small input stays on the calling thread.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    spread(items, threads_for(items.len(), WORTH_A_THREAD), f)
}

/// [`map`] for items each as much work as `weight` resources (a part of a stack).
pub fn map_weighted<T: Sync, R: Send>(items: &[T], weight: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    spread(items, threads_for(items.len().saturating_mul(weight), WORTH_A_THREAD), f)
}

fn spread<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if threads <= 1 {
        return items.iter().map(&f).collect();
    }
    let run = items.len().div_ceil(threads);
    in_runs(items.chunks(run).map(Some).collect(), &|run: &[T]| run.iter().map(&f).collect())
}

/// Work on items as they come, on a thread of its own, while the calling thread goes on
/// making them: a large state's records are made from the pages already read while the
/// next page is read. Results come back in the order the items were sent.
pub struct Alongside<T, R, F> {
    work: Work<T, R, F>,
}

enum Work<T, R, F> {
    /// On a thread of its own, fed in order.
    Thread { items: std::sync::mpsc::Sender<T>, thread: std::thread::JoinHandle<Vec<R>> },
    /// On the calling thread, when no thread could be started.
    Here { work: F, done: Vec<R> },
}

impl<T, R, F> Alongside<T, R, F>
where
    T: Send + 'static,
    R: Send + 'static,
    F: FnMut(T) -> R + Clone + Send + 'static,
{
    /// Starts a thread that does `work` on each item sent.
    pub fn start(work: F) -> Self {
        let (items, sent) = std::sync::mpsc::channel::<T>();
        let mut on_thread = work.clone();
        let spawned = std::thread::Builder::new().stack_size(WORKER_STACK).spawn(move || sent.into_iter().map(&mut on_thread).collect());
        match spawned {
            Ok(thread) => Alongside { work: Work::Thread { items, thread } },
            Err(e) => {
                tracing::debug!(error = %e, "no thread to work alongside; working here");
                Alongside { work: Work::Here { work, done: Vec::new() } }
            }
        }
    }

    /// Hands the next item over.
    pub fn send(&mut self, item: T) {
        match &mut self.work {
            // Refused only by a thread that panicked, which `finish` passes on.
            Work::Thread { items, .. } => drop(items.send(item)),
            Work::Here { work, done } => done.push(work(item)),
        }
    }

    /// The results of every item sent, in order, once the last is done.
    pub fn finish(self) -> Vec<R> {
        match self.work {
            Work::Thread { items, thread } => {
                drop(items);
                match thread.join() {
                    Ok(done) => done,
                    // A panic in the work is the caller's, as if the work had run on its thread.
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            Work::Here { done, .. } => done,
        }
    }
}

/// A worker's stack: as much as a main thread's and more, since a stack's part is one
/// frame in a debug build; only the pages used are committed.
const WORKER_STACK: usize = 64 << 20;

/// `work` of each run, the results in order: the first on the calling thread, each
/// other on a thread of its own, or on the calling thread when no thread can be had.
fn in_runs<U: Send, R: Send>(mut runs: Vec<Option<U>>, work: &(impl Fn(U) -> Vec<R> + Sync)) -> Vec<R> {
    let mut done: Vec<Option<Vec<R>>> = Vec::with_capacity(runs.len());
    std::thread::scope(|scope| {
        let mut slots = runs.iter_mut();
        let first = slots.next().and_then(Option::take);
        // A run is taken by its thread when it starts: one never started stays here.
        let threads: Vec<_> = slots
            .map(|slot| std::thread::Builder::new().stack_size(WORKER_STACK).spawn_scoped(scope, move || slot.take().map(work)).ok())
            .collect();
        done.push(first.map(work));
        for thread in threads {
            done.push(match thread.map(std::thread::ScopedJoinHandle::join) {
                Some(Ok(results)) => results,
                // A panic in the work is the caller's, as if the work had run on its thread.
                Some(Err(panic)) => std::panic::resume_unwind(panic),
                None => None,
            });
        }
    });
    let mut runs = done.into_iter().zip(runs).map(|(results, left)| results.or_else(|| left.map(work)).unwrap_or_default());
    // The first run's results, grown once to hold the others'.
    let mut out = runs.next().unwrap_or_default();
    let rest: Vec<Vec<R>> = runs.collect();
    out.reserve(rest.iter().map(Vec::len).sum());
    rest.into_iter().for_each(|results| out.extend(results));
    out
}

/// How many threads `len` items are worth when each thread should get at least `least`.
fn threads_for(len: usize, least: usize) -> usize {
    let most = len / least.max(1);
    if most < 2 {
        // Not worth asking the system how many cores there are (it reads cgroup files).
        return 1;
    }
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get).min(most)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_the_items_order_whatever_the_threads() {
        let items: Vec<usize> = (0..10_000).collect();
        let seen = std::sync::Mutex::new(std::collections::HashSet::new());
        let out = map(&items, |i| {
            if let Ok(mut s) = seen.lock() {
                s.insert(std::thread::current().id());
            }
            i * 2
        });
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        let threads = seen.lock().map(|s| s.len()).unwrap_or(0);
        assert_eq!(threads, cores.min(10_000 / WORTH_A_THREAD), "one run per core");
        assert_eq!(map(&items[..3], |i| i + 1), vec![1, 2, 3], "a small input stays on the calling thread");
        assert_eq!(map_weighted(&items[..5], 1_000, |i| i + 1), vec![1, 2, 3, 4, 5]);
        assert!(map::<usize, usize>(&[], |i| *i).is_empty());
    }

    #[test]
    fn work_alongside_comes_back_in_the_order_sent_from_another_thread() {
        let here = std::thread::current().id();
        let mut alongside = Alongside::start(move |i: usize| (i * 2, std::thread::current().id() != here));
        (0..1_000).for_each(|i| alongside.send(i));
        let done = alongside.finish();
        assert_eq!(done.iter().map(|(r, _)| *r).collect::<Vec<_>>(), (0..1_000).map(|i| i * 2).collect::<Vec<_>>());
        assert!(done.iter().all(|(_, elsewhere)| *elsewhere), "worked on a thread of its own");
        let mut failing = Alongside::start(|i: usize| if i == 3 { panic!("the fourth item") } else { i });
        (0..10).for_each(|i| failing.send(i));
        assert!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| failing.finish())).is_err(), "a panic reaches the caller");
    }

    #[test]
    fn a_panic_in_the_work_reaches_the_caller() {
        let items: Vec<usize> = (0..10_000).collect();
        let caught = std::panic::catch_unwind(|| map(&items, |i| if *i == 9_999 { panic!("the last item") } else { *i }));
        assert!(caught.is_err());
    }

    /// Uses about `kib` KiB of stack.
    fn deep(kib: usize) -> usize {
        let frame = std::hint::black_box([1u8; 1024]);
        if kib == 0 { usize::from(frame[0]) } else { deep(kib - 1) + usize::from(frame[1]) }
    }

    #[test]
    fn a_worker_has_the_stack_a_main_thread_has() {
        // 12 MiB deep on the last item, which a second core's thread works on: more than
        // a spawned thread's default 2 MiB, and a main thread's 8 MiB.
        let items: Vec<usize> = (0..10_000).collect();
        let out = map(&items, |i| if *i == 9_999 { deep(12 * 1024) } else { 0 });
        assert_eq!(out[9_999], 12 * 1024 + 1);
    }
}
