//! Independent pieces of work (files to lint, reports to render) spread
//! over the machine's cores, with the results kept in input order so that
//! output never depends on which thread finished first.
//!
//! Not for work whose items depend on each other.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `work` applied to every item, on up to `available_parallelism()`
/// threads (the calling thread alone when there is one core or one item),
/// results in the order of `items`. Items are handed out one at a time
/// from a shared counter, so a thread that drew large items does not hold
/// up the others. A panic in `work` is raised again here, as it would be
/// without threads.
pub fn map_in_order<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(index) else {
                            break;
                        };
                        done.push((index, work(item)));
                    }
                    done
                })
            })
            .collect();
        for worker in workers {
            match worker.join() {
                Ok(done) => {
                    for (index, result) in done {
                        if let Some(slot) = slots.get_mut(index) {
                            *slot = Some(result);
                        }
                    }
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    // Every index below `items.len()` was taken by exactly one thread.
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::map_in_order;

    #[test]
    fn results_come_in_input_order_whatever_the_timing() {
        let items: Vec<u64> = (0..500).collect();
        // Uneven work, so threads finish out of order.
        let results = map_in_order(&items, |&n| {
            let mut x = n;
            for _ in 0..(n % 7) * 1000 {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            }
            (n, x)
        });
        assert_eq!(results.len(), items.len());
        for (position, (n, _)) in results.iter().enumerate() {
            assert_eq!(*n, position as u64);
        }
        assert!(map_in_order(&[] as &[u8], |&b| b).is_empty());
    }
}
