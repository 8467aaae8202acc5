//! Prefix sums of row heights that stay cheap when one height changes: a Fenwick
//! (binary indexed) tree. The offset of a row, a height update and "which row is at this
//! offset" each cost O(log n), so a chat of 100,000 rows costs a scroll frame what a
//! chat of ten does. Sums are kept in `f64`: updates add differences, and at millions of
//! points an `f32` would drift by whole pixels.

/// The running sums of a sequence of non-negative heights.
#[derive(Clone, Debug, Default)]
pub struct PrefixSums {
    /// `tree[i - 1]` holds the sum of heights `(i - lowbit(i)) .. i` (1-based `i`).
    tree: Vec<f64>,
}

/// The lowest set bit of `i`.
fn lowbit(i: usize) -> usize {
    i & i.wrapping_neg()
}

impl PrefixSums {
    /// Builds the sums of `heights` in O(n).
    pub fn from_heights(heights: &[f32]) -> Self {
        let mut tree: Vec<f64> = heights.iter().map(|&h| f64::from(h)).collect();
        for i in 1..=tree.len() {
            let parent = i + lowbit(i);
            if parent <= tree.len() {
                tree[parent - 1] += tree[i - 1];
            }
        }
        Self { tree }
    }

    pub fn len(&self) -> usize {
        self.tree.len()
    }

    /// The sum of the first `count` heights (the top of row `count`), O(log n).
    pub fn prefix(&self, count: usize) -> f64 {
        let mut i = count.min(self.tree.len());
        let mut sum = 0.0;
        while i > 0 {
            sum += self.tree[i - 1];
            i -= lowbit(i);
        }
        sum
    }

    /// The sum of all heights.
    pub fn total(&self) -> f64 {
        self.prefix(self.tree.len())
    }

    /// Adds `delta` to the height of row `index` (so to the top of every later row).
    pub fn add(&mut self, index: usize, delta: f64) {
        let mut i = index + 1;
        while i <= self.tree.len() {
            self.tree[i - 1] += delta;
            i += lowbit(i);
        }
    }

    /// Appends a row of `height`, O(log n).
    pub fn push(&mut self, height: f32) {
        let i = self.tree.len() + 1;
        // node i covers rows (i - lowbit(i)) .. i: the new height and those before it
        let covered = self.prefix(i - 1) - self.prefix(i - lowbit(i));
        self.tree.push(f64::from(height) + covered);
    }

    /// Keeps the first `len` rows. Every node of a kept row only covers kept rows.
    pub fn truncate(&mut self, len: usize) {
        self.tree.truncate(len);
    }

    /// The last row whose top is at or above `y`: the largest `k` in `0..=len` with
    /// `prefix(k) <= y` (so `len` when `y` is past the end). O(log n).
    pub fn row_at(&self, y: f64) -> usize {
        if y < 0.0 {
            return 0;
        }
        let mut pos = 0;
        let mut rest = y;
        let mut step = self.tree.len().checked_next_power_of_two().unwrap_or(0);
        while step > 0 {
            let next = pos + step;
            if next <= self.tree.len() && self.tree[next - 1] <= rest {
                pos = next;
                rest -= self.tree[next - 1];
            }
            step /= 2;
        }
        pos
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_tops(heights: &[f32]) -> Vec<f64> {
        let mut y = 0.0;
        let mut tops = vec![0.0];
        for h in heights {
            y += f64::from(*h);
            tops.push(y);
        }
        tops
    }

    #[test]
    fn prefixes_match_a_running_sum() {
        let heights: Vec<f32> = (0..37).map(|i| 10.0 + (i % 7) as f32 * 3.5).collect();
        let sums = PrefixSums::from_heights(&heights);
        for (count, top) in naive_tops(&heights).iter().enumerate() {
            assert_eq!(sums.prefix(count), *top, "top of row {count}");
        }
    }

    #[test]
    fn row_at_finds_the_row_under_an_offset_at_the_edges() {
        let sums = PrefixSums::from_heights(&[10.0, 20.0, 30.0]);
        assert_eq!(sums.row_at(-5.0), 0, "above the top: the first row");
        assert_eq!(sums.row_at(0.0), 0, "the very top");
        assert_eq!(sums.row_at(9.99), 0, "just above the first boundary");
        assert_eq!(
            sums.row_at(10.0),
            1,
            "on a boundary: the row that starts there"
        );
        assert_eq!(sums.row_at(59.9), 2, "inside the last row");
        assert_eq!(sums.row_at(60.0), 3, "at the end: past every row");
        assert_eq!(sums.row_at(1e9), 3, "far past the end");
        assert_eq!(PrefixSums::default().row_at(5.0), 0, "no rows at all");
    }

    #[test]
    fn a_changed_height_moves_every_later_row() {
        let mut sums = PrefixSums::from_heights(&[10.0; 100]);
        sums.add(40, 15.0);
        assert_eq!(sums.prefix(40), 400.0, "rows above are untouched");
        assert_eq!(
            sums.prefix(41),
            425.0,
            "the row below the changed one moved"
        );
        assert_eq!(sums.total(), 1015.0);
        assert_eq!(sums.row_at(420.0), 40, "the changed row is taller");
        assert_eq!(sums.row_at(425.0), 41);
    }

    #[test]
    fn push_and_truncate_agree_with_a_fresh_build() {
        let heights: Vec<f32> = (0..53).map(|i| 1.0 + i as f32).collect();
        let mut grown = PrefixSums::from_heights(&heights[..20]);
        for h in &heights[20..] {
            grown.push(*h);
        }
        let built = PrefixSums::from_heights(&heights);
        for count in 0..=heights.len() {
            assert_eq!(
                grown.prefix(count),
                built.prefix(count),
                "top of row {count}"
            );
        }
        grown.truncate(11);
        assert_eq!(grown.len(), 11);
        assert_eq!(
            grown.total(),
            PrefixSums::from_heights(&heights[..11]).total()
        );
    }
}
