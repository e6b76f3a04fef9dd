//! The one way tapedeck spreads work over the two cores it is built for: independent jobs of
//! known size, split into two halves of about equal weight, run on the calling thread and one
//! scoped thread. Small batches stay on the calling thread (a thread costs more than they do).
//! Large memory nobody waits for is handed back on a thread of its own.

/// Weight below which everything runs on the calling thread.
pub const WORTH_A_THREAD: usize = 1 << 20;

/// `f` applied to every item, results in item order. Items are dealt largest first to the
/// lighter of two threads when their total `weight` is at least [`WORTH_A_THREAD`].
pub fn map_balanced<T: Send, R: Send>(
    items: Vec<T>,
    weight: impl Fn(&T) -> usize,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let total: usize = items.iter().map(&weight).sum();
    if total < WORTH_A_THREAD {
        return items.into_iter().map(f).collect();
    }
    let mut jobs: Vec<(usize, usize, T)> = items
        .into_iter()
        .enumerate()
        .map(|(i, t)| (i, weight(&t), t))
        .collect();
    jobs.sort_by_key(|&(_, w, _)| std::cmp::Reverse(w));
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let (mut wa, mut wb) = (0, 0);
    for (i, w, t) in jobs {
        if wa <= wb {
            wa += w;
            a.push((i, t));
        } else {
            wb += w;
            b.push((i, t));
        }
    }
    let run = |jobs: Vec<(usize, T)>| -> Vec<(usize, R)> {
        jobs.into_iter().map(|(i, t)| (i, f(t))).collect()
    };
    let mut done = std::thread::scope(|scope| {
        let other = scope.spawn(|| run(b));
        let mut mine = run(a);
        // A panic on the other thread is a bug: surface it rather than hide it.
        mine.extend(
            other
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e)),
        );
        mine
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Below this many bytes a value is freed where it is: faster than starting a thread.
const WORTH_FREEING_APART: usize = 8 << 20;

/// Drops `value`, which holds about `bytes` bytes, on a thread of its own when it is large:
/// unmapping hundreds of megabytes takes tens of milliseconds nobody needs to wait for.
/// Small values, and any value when no thread can be started, are dropped here, so small
/// imports (and each fuzzer input) leave no thread behind.
pub fn drop_in_background<T: Send + 'static>(value: T, bytes: usize) {
    if bytes < WORTH_FREEING_APART {
        drop(value);
        return;
    }
    let _ = std::thread::Builder::new()
        .name("td-free".into())
        .spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_item_order_on_one_thread_and_on_two() {
        for scale in [1, WORTH_A_THREAD] {
            let items: Vec<usize> = (0..50).map(|i| (i * 37) % 11 + 1).collect();
            let got = map_balanced(items.clone(), |&w| w * scale, |w| w * 10);
            assert_eq!(got, items.iter().map(|w| w * 10).collect::<Vec<_>>());
        }
        let none: Vec<u8> = map_balanced(Vec::<u8>::new(), |_| 1, |x| x);
        assert!(none.is_empty());
    }
}
