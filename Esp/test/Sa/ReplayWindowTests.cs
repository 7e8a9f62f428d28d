using IpsecFw.Esp.Sa;

namespace IpsecFw.Esp.Tests.Sa;

/// <summary>
/// RFC 4303 3.4.3 / RFC 6479 anti-replay window as sequential tables: every row runs against the state the rows before
/// it left, and a failure names the window size and the row number.
/// </summary>
public sealed class ReplayWindowTests
{
    private static readonly int[] Sizes = [64, 1000, 1024, 4096];

    /// <summary>A jump that is a multiple of every bitmap's span, so old bits alias the same positions after it.</summary>
    private const ulong AliasingJump = 1UL << 24;

    private enum Op
    {
        /// <summary>TryCommit: check and, if new, record.</summary>
        Commit,

        /// <summary>TryCheck only: must change nothing.</summary>
        Check,
    }

    /// <param name="Op">What to call.</param>
    /// <param name="Sequence">The 64-bit sequence number.</param>
    /// <param name="Accept">The expected result.</param>
    /// <param name="Top">The expected <see cref="ReplayWindow.Top"/> afterwards.</param>
    private readonly record struct Row(Op Op, ulong Sequence, bool Accept, ulong Top);

    [Fact]
    public void Sequential_table()
    {
        foreach (int size in Sizes)
        {
            var window = new ReplayWindow(size);
            Assert.Equal(size, window.Size);
            Assert.Equal(0UL, window.Top);
            List<Row> rows = Table((ulong)size);
            for (int i = 0; i < rows.Count; i++)
            {
                Row row = rows[i];
                bool accepted = row.Op == Op.Commit ? window.TryCommit(row.Sequence) : window.TryCheck(row.Sequence);
                Assert.True(
                    accepted == row.Accept && window.Top == row.Top,
                    $"window {size}, row {i + 1}: {row.Op} {row.Sequence} returned {accepted} (expected {row.Accept}), " +
                    $"Top {window.Top} (expected {row.Top})");
            }
        }
    }

    private static List<Row> Table(ulong w)
    {
        var rows = new List<Row>();
        ulong top = 0;
        void Commit(ulong n, bool accept)
        {
            if (accept && n > top)
            {
                top = n;
            }

            rows.Add(new Row(Op.Commit, n, accept, top));
        }

        void Check(ulong n, bool accept) => rows.Add(new Row(Op.Check, n, accept, top));

        // Before the first packet: 0 is never valid; checking changes nothing.
        Check(0, false);
        Commit(0, false);
        Check(1, true);
        Check(1, true);

        // In order, with duplicates.
        Commit(1, true);
        Commit(1, false);
        Commit(2, true);
        Commit(2, false);
        Commit(3, true);

        // Reordering within the window: a gap, then the hole filled late.
        Commit(6, true);
        Commit(5, true);
        Commit(4, true);
        Commit(4, false);
        Commit(5, false);
        Commit(6, false);
        Check(0, false);
        Commit(0, false);

        // Check without commit leaves the top and the bitmap alone, for numbers right of the top and inside the window.
        Check(w + 10, true);
        Check(w + 10, true);
        Check(7, true);
        Commit(7, true);
        Check(7, false);

        // Move the top to W + 10: the left edge is then 11 (Top − Size + 1) and 10 (Top − Size) is out.
        Commit(w + 10, true);
        Commit(w + 10, false);
        Commit(10, false);
        Check(11, true);
        Commit(11, true);
        Commit(11, false);
        Commit(9, false);
        Commit(1, false);
        Commit(w + 9, true);
        Commit(w + 9, false);

        // Everything strictly inside the window that was never seen is still acceptable, once.
        for (ulong n = 12; n < w + 9; n += w / 8 + 1)
        {
            Check(n, true);
            Commit(n, true);
            Commit(n, false);
        }

        // Moving one past: the old edge (11) falls out, the new edge (12) is the lowest acceptable number.
        Commit(w + 11, true);
        Commit(11, false);
        Commit(12, false);   // committed by the loop above
        Commit(13, true);

        // A far jump by a multiple of the bitmap span: every old bit aliases a position in the new window and must be
        // forgotten, or W + 9 + J (aliasing W + 9) would be taken for a replay.
        ulong far = w + 11 + AliasingJump;
        Commit(far, true);
        Commit(w + 11, false);
        Commit(w + 9 + AliasingJump, true);
        Commit(w + 9 + AliasingJump, false);
        Commit(13 + AliasingJump, true);           // far − W + 2: inside
        Commit(12 + AliasingJump, true);           // far − W + 1: the edge, inside
        Commit(11 + AliasingJump, false);          // far − W: outside
        Commit(7 + AliasingJump, false);
        Commit(far, false);

        // A jump of exactly the window size: the old top falls out, the slot right of it is the new edge.
        ulong t = far;
        Commit(t + w, true);
        Commit(t, false);
        Commit(t + 1, true);
        Commit(t + 1, false);

        // A jump of half the window: every number between the old and the new top is new.
        t += w;
        Commit(t + (w / 2), true);
        for (ulong n = t + 1; n < t + (w / 2); n++)
        {
            Commit(n, true);
        }

        for (ulong n = t; n < t + (w / 2); n += 7)
        {
            Commit(n, false);
        }

        Commit(t - (w / 2), false);       // Top − Size: outside
        Commit(t - (w / 2) + 1, true);    // Top − Size + 1: the edge, never seen

        // A long in-order run, each number once.
        t += w / 2;
        for (ulong n = t + 1; n <= t + (3 * w); n++)
        {
            Commit(n, true);
        }

        t += 3 * w;

        // A long descending run after a jump of a full window: everything from the top down to the edge is new.
        Commit(t + w, true);
        t += w;
        for (ulong n = t - 1; n > t - w; n--)
        {
            Commit(n, true);
        }

        Commit(t - w, false);
        Commit(t - w + 1, false);

        // The end of the 64-bit space: the top can reach 2^64 − 1 and the edge still works there.
        Commit(ulong.MaxValue - (2 * w), true);
        Commit(ulong.MaxValue, true);
        Commit(ulong.MaxValue, false);
        Check(ulong.MaxValue - 1, true);
        Commit(ulong.MaxValue - w + 1, true);
        Commit(ulong.MaxValue - w, false);
        Commit(ulong.MaxValue - (2 * w), false);
        Check(0, false);
        Commit(0, false);
        return rows;
    }

    /// <param name="Top">The top to set up (by committing it on a fresh window; 0 leaves the window fresh).</param>
    /// <param name="Low">The low 32 bits a packet carries.</param>
    /// <param name="Valid">Whether a 64-bit number can be inferred.</param>
    /// <param name="Sequence">The inferred number when valid.</param>
    private readonly record struct EsnRow(ulong Top, uint Low, bool Valid, ulong Sequence);

    [Fact]
    public void Esn_inference_table()
    {
        foreach (int size in Sizes)
        {
            List<EsnRow> rows = EsnTable((uint)size);
            for (int i = 0; i < rows.Count; i++)
            {
                EsnRow row = rows[i];
                var window = new ReplayWindow(size);
                if (row.Top != 0)
                {
                    Assert.True(window.TryCommit(row.Top));
                }

                bool valid = window.TryInferEsn(row.Low, out ulong sequence);
                Assert.True(
                    valid == row.Valid && (!valid || sequence == row.Sequence),
                    $"window {size}, row {i + 1}: Top 0x{row.Top:X16}, low 0x{row.Low:X8} gave {valid} 0x{sequence:X16} " +
                    $"(expected {row.Valid} 0x{row.Sequence:X16})");
                Assert.Equal(row.Top, window.Top);
            }
        }
    }

    private static List<EsnRow> EsnTable(uint w)
    {
        const ulong Sub = 1UL << 32;
        var rows = new List<EsnRow>();
        void Row(ulong top, uint low, ulong expected) => rows.Add(new EsnRow(top, low, true, expected));
        void Reject(ulong top, uint low) => rows.Add(new EsnRow(top, low, false, 0));

        // Before the first packet (Top 0, case B with Th = 0): the low numbers are this sub-space, the ones that would
        // belong to the window's part left of 0 (sub-space −1) have no valid interpretation.
        Row(0, 1, 1);
        Row(0, 0x7FFFFFFF, 0x7FFFFFFF);
        Row(0, uint.MaxValue - w + 1, uint.MaxValue - w + 1);   // Tl − W (mod 2^32) = 2^32 − W: still ahead
        Reject(0, uint.MaxValue - w + 2);               // Tl − W + 1 (mod 2^32) = 2^32 − W + 1
        Reject(0, uint.MaxValue);

        // Case B just below the boundary between the cases: Tl = W − 2.
        Row(w - 2, uint.MaxValue - 1, uint.MaxValue - 1);
        Reject(w - 2, uint.MaxValue);
        Row(w - 2, 0, 0);
        Row(w - 2, w - 2, w - 2);

        // Case A at its lower boundary: Tl = W − 1, the window is exactly [0, W − 1].
        Row(w - 1, 0, 0);
        Row(w - 1, 1, 1);
        Row(w - 1, uint.MaxValue, uint.MaxValue);

        // Case A (Tl ≥ W − 1) in sub-space 0: at or right of the edge → Th, left of it → Th + 1.
        Row(5000, 5000 - w + 1, 5000 - w + 1);
        Row(5000, 5000, 5000);
        Row(5000, 5001, 5001);
        Row(5000, uint.MaxValue, uint.MaxValue);
        Row(5000, 5000 - w, Sub + 5000 - w);
        Row(5000, 0, Sub);

        // Case A just below 2^32: Top = 0xFFFFFFF0, low 3 lies in the next sub-space.
        Row(0xFFFFFFF0, 3, Sub + 3);
        Row(0xFFFFFFF0, 0, Sub);
        Row(0xFFFFFFF0, 0xFFFFFFF0 - w + 1, 0xFFFFFFF0 - w + 1);
        Row(0xFFFFFFF0, 0xFFFFFFF0 - w, Sub + 0xFFFFFFF0 - w);
        Row(0xFFFFFFF0, 0xFFFFFFFF, 0xFFFFFFFF);

        // Case B just above 2^32: Top = 2^32 + 5, 0xFFFFFFF0 still belongs to sub-space 0.
        Row(Sub + 5, 0xFFFFFFF0, 0xFFFFFFF0);
        Row(Sub + 5, 5, Sub + 5);
        Row(Sub + 5, 6, Sub + 6);
        Row(Sub + 5, 0, Sub);
        Row(Sub + 5, unchecked(5 - w + 1), Sub + 5 - w + 1);          // the edge, in sub-space 0
        Row(Sub + 5, unchecked(5 - w), Sub + unchecked(5 - w));  // left of the edge: Top + 2^32 − W, far ahead
        Row(Sub + 5, 0x7FFFFFFF, Sub + 0x7FFFFFFF);

        // Further up: case A and B in sub-space 7.
        Row((7 * Sub) + 0x10, 3, (7 * Sub) + 3);
        Row((7 * Sub) + 0x10, 0xFFFFFFFF, (6 * Sub) + 0xFFFFFFFF);
        Row((7 * Sub) + 0x80000000, 0x80000000 - w + 1, (7 * Sub) + 0x80000000 - w + 1);
        Row((7 * Sub) + 0x80000000, 0x80000000 - w, (8 * Sub) + 0x80000000 - w);

        // The last sub-space: case B still infers the one before; nothing lies after 2^64 − 1.
        Row(ulong.MaxValue - uint.MaxValue + 5, 3, ulong.MaxValue - uint.MaxValue + 3);
        Row(ulong.MaxValue - uint.MaxValue + 5, 0xFFFFFFF0, ulong.MaxValue - uint.MaxValue - Sub + 0xFFFFFFF0);
        Row(ulong.MaxValue - 0xFF, uint.MaxValue, ulong.MaxValue);
        Row(ulong.MaxValue - 0xFF, uint.MaxValue - 0xFF - w + 1, ulong.MaxValue - 0xFF - w + 1);
        Reject(ulong.MaxValue - 0xFF, uint.MaxValue - 0xFF - w);
        Reject(ulong.MaxValue - 0xFF, 0x10);
        Row(ulong.MaxValue, uint.MaxValue, ulong.MaxValue);
        Row(ulong.MaxValue, uint.MaxValue - w + 1, ulong.MaxValue - w + 1);
        Reject(ulong.MaxValue, uint.MaxValue - w);
        Reject(ulong.MaxValue, 5);
        Reject(ulong.MaxValue, 0);
        return rows;
    }

    [Fact]
    public void Esn_inference_then_check_across_2_pow_32()
    {
        // A window that has moved across 2^32 by the numbers it inferred itself, as an inbound ESN SA's does.
        var window = new ReplayWindow(64);
        foreach (uint low in new uint[] { 0xFFFFFF00, 0xFFFFFFC0, 0xFFFFFFFF, 2, 1, 0 })
        {
            Assert.True(window.TryInferEsn(low, out ulong seq));
            Assert.True(window.TryCommit(seq), $"low 0x{low:X8} → 0x{seq:X16}");
        }

        Assert.Equal((1UL << 32) + 2, window.Top);

        // 0xFFFFFFC0 lies outside now (Top − 66); 0xFFFFFFC3 is the edge (Top − 63) and new.
        Assert.True(window.TryInferEsn(0xFFFFFFC3, out ulong edge));
        Assert.Equal(0xFFFFFFC3UL, edge);
        Assert.True(window.TryCommit(edge));
        Assert.True(window.TryInferEsn(0xFFFFFFFF, out ulong dup));
        Assert.False(window.TryCheck(dup));
        Assert.True(window.TryInferEsn(0, out ulong zero));
        Assert.Equal(1UL << 32, zero);
        Assert.False(window.TryCheck(zero));   // committed above as 2^32, a valid ESN number
        Assert.True(window.TryInferEsn(3, out ulong next));
        Assert.Equal((1UL << 32) + 3, next);
        Assert.True(window.TryCheck(next));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(63)]
    [InlineData(-1)]
    [InlineData((1 << 20) + 1)]
    public void Rejects_sizes_out_of_range(int size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReplayWindow(size));

    [Fact]
    public void Default_size_is_1024() => Assert.Equal(1024, new ReplayWindow().Size);
}
