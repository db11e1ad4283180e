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

/// [`map`] for work that takes parts of each item: `f` gets each one to change. What
/// it leaves in an item is freed by the caller, on the thread that made it (a thread
/// freeing another's memory waits on that thread's allocator).
pub fn map_mut<T: Send, R: Send>(items: &mut [T], f: impl Fn(&mut T) -> R + Sync) -> Vec<R> {
    let threads = threads_for(items.len(), WORTH_A_THREAD);
    if threads <= 1 {
        return items.iter_mut().map(&f).collect();
    }
    let len = items.len();
    let f = &f;
    std::thread::scope(|scope| {
        let mut runs = items.chunks_mut(len.div_ceil(threads));
        let first = runs.next().unwrap_or_default();
        let others: Vec<_> = runs.map(|run| scope.spawn(move || run.iter_mut().map(f).collect::<Vec<R>>())).collect();
        let mut out: Vec<R> = Vec::with_capacity(len);
        out.extend(first.iter_mut().map(f));
        join_into(&mut out, others);
        out
    })
}

/// Appends each thread's results to `out`, in order; a thread's panic goes on here.
fn join_into<R>(out: &mut Vec<R>, threads: Vec<std::thread::ScopedJoinHandle<'_, Vec<R>>>) {
    for handle in threads {
        match handle.join() {
            Ok(results) => out.extend(results),
            // A panic in the work is the caller's, as if the work had run on its thread.
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
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

fn spread<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if threads <= 1 {
        return items.iter().map(&f).collect();
    }
    let f = &f;
    std::thread::scope(|scope| {
        let mut runs = items.chunks(items.len().div_ceil(threads));
        let first = runs.next().unwrap_or_default();
        let others: Vec<_> = runs.map(|run| scope.spawn(move || run.iter().map(f).collect::<Vec<R>>())).collect();
        let mut out: Vec<R> = Vec::with_capacity(items.len());
        out.extend(first.iter().map(f));
        join_into(&mut out, others);
        out
    })
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
        let mut texts: Vec<String> = items.iter().map(usize::to_string).collect();
        let taken = map_mut(&mut texts, std::mem::take);
        assert_eq!(taken, items.iter().map(usize::to_string).collect::<Vec<_>>());
        assert!(texts.iter().all(String::is_empty), "each item was handed to the work to change");
    }

    #[test]
    fn a_panic_in_the_work_reaches_the_caller() {
        let items: Vec<usize> = (0..2_000).collect();
        let caught = std::panic::catch_unwind(|| map(&items, |i| if *i == 1_999 { panic!("the last item") } else { *i }));
        assert!(caught.is_err());
    }
}
