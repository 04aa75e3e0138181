//! Independent pieces of work (files to lint, reports to render) spread
//! over the machine's cores, with the results kept in input order so that
//! output never depends on which thread finished first.
//!
//! Not for work whose items depend on each other.

use rayon::prelude::*;

/// `work` applied to every item on the machine's cores (rayon's pool),
/// results in the order of `items`. A panic in `work` is raised again
/// here, as it would be without threads.
pub fn map_in_order<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if items.len() <= 1 {
        return items.iter().map(work).collect();
    }
    let work = &work;
    items.par_iter().map(work).collect()
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
