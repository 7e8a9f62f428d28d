using CsCheck;
using IpsecFw.Esp.Sa;

namespace IpsecFw.Esp.Tests.Properties;

/// <summary>
/// The RFC 6479 block-bitmap window against a naive reference (every number seen, and the highest), on random
/// sequences with reordering, duplicates, jumps and checks that never commit (as when the ICV fails).
/// </summary>
public sealed class ReplayWindowProperties
{
    private const ulong SubSpace = 1UL << 32;

    private static readonly Gen<int> GenSize = Gen.OneOf(64, 65, 100, 127, 128, 1000, 1024, 4096);

    private enum Kind
    {
        /// <summary>Highest + Amount (1–4): in order, or a small gap.</summary>
        Next,

        /// <summary>Highest − Amount: reordered inside the window, at its edge or beyond it.</summary>
        Behind,

        /// <summary>A number committed before (Amount picks which).</summary>
        Duplicate,

        /// <summary>Highest + Amount, up to a few windows.</summary>
        Jump,

        /// <summary>Highest + Amount, up to 2^31: clears the whole bitmap.</summary>
        FarJump,

        /// <summary>0, never valid.</summary>
        Zero,
    }

    /// <param name="Kind">How the number is derived from the reference state.</param>
    /// <param name="Amount">Offset or index.</param>
    /// <param name="CheckOnly">Only check (the ICV failed), never commit.</param>
    private readonly record struct Step(Kind Kind, uint Amount, bool CheckOnly)
    {
        public override string ToString() => $"{Kind}({Amount}){(CheckOnly ? "?" : "")}";
    }

    /// <summary>The naive model: a set of every number seen plus the highest; numbers ≤ highest − size are too old.</summary>
    private sealed class Reference(int size)
    {
        private readonly HashSet<ulong> _seen = [];

        public List<ulong> Committed { get; } = [];

        public ulong Highest { get; private set; }

        public bool Accepts(ulong n) =>
            n != 0 && !_seen.Contains(n) && (n > Highest || Highest - n < (ulong)size);

        public void Commit(ulong n)
        {
            _seen.Add(n);
            Committed.Add(n);
            Highest = Math.Max(Highest, n);
        }

        public ulong Next(Step step) => step.Kind switch
        {
            Kind.Next or Kind.Jump or Kind.FarJump => Highest > ulong.MaxValue - step.Amount ? ulong.MaxValue : Highest + step.Amount,
            Kind.Behind => Highest >= step.Amount ? Highest - step.Amount : 0,
            Kind.Duplicate => Committed.Count == 0 ? 0 : Committed[(int)(step.Amount % (uint)Committed.Count)],
            _ => 0,
        };
    }

    private static Gen<Step> GenStep(int size)
    {
        uint w = (uint)size;
        Gen<Step> step = Gen.Frequency<Step>(
            (40, Gen.UInt[1, 4].Select(a => new Step(Kind.Next, a, false))),
            (20, Gen.UInt[0, w + (w / 2)].Select(a => new Step(Kind.Behind, a, false))),
            (5, Gen.UInt[w - 2, w + 1].Select(a => new Step(Kind.Behind, a, false))),   // at the window's edge
            (12, Gen.UInt.Select(a => new Step(Kind.Duplicate, a, false))),
            (10, Gen.UInt[1, 3 * w].Select(a => new Step(Kind.Jump, a, false))),
            (3, Gen.UInt[3 * w, 1U << 31].Select(a => new Step(Kind.FarJump, a, false))),
            (2, Gen.Const(new Step(Kind.Zero, 0, false))));
        return Gen.Select(step, Gen.Int[0, 99], (s, p) => s with { CheckOnly = p < 15 });
    }

    private static Gen<(int Size, ulong Start, Step[] Steps)> GenRun(Gen<ulong> start) =>
        GenSize.SelectMany(size => Gen.Select(start, GenStep(size).Array[1, 300], (s, steps) => (size, s, steps)));

    [Fact]
    public void Window_agrees_with_the_naive_reference()
    {
        Gen<ulong> start = Gen.Frequency<ulong>(
            (4, Gen.Const(0UL)),
            (2, Gen.ULong),
            (1, Gen.UInt[0, 10_000].Select(x => ulong.MaxValue - x)));
        GenRun(start).Sample(
            (size, first, steps) => Run(size, first, steps, esn: false),
            iter: 3_000);
    }

    [Fact]
    public void Window_with_Esn_inference_of_the_low_32_bits_agrees_with_the_64_bit_reference()
    {
        // Starting just below a multiple of 2^32 (often the first), so the sequence crosses into the next sub-space.
        Gen<ulong> start = Gen.Frequency<ulong>(
            (2, Gen.Const(0UL)),
            (4, Gen.Select(Gen.UInt[0, 8], Gen.UInt[1, 20_000], (k, x) => ((k + 1UL) * SubSpace) - x)),
            (2, Gen.Select(Gen.UInt[0, uint.MaxValue - 1], Gen.UInt[1, 20_000], (k, x) => ((k + 1UL) * SubSpace) - x)),
            (1, Gen.ULong),
            (1, Gen.UInt[0, 20_000].Select(x => ulong.MaxValue - x)));
        GenRun(start).Sample(
            (size, first, steps) => Run(size, first, steps, esn: true),
            iter: 3_000);
    }

    private static void Run(int size, ulong start, Step[] steps, bool esn)
    {
        var window = new ReplayWindow(size);
        var reference = new Reference(size);
        if (start != 0)
        {
            // As if the SA had got there: the window holds 64-bit numbers whatever the wire carries.
            Assert.True(window.TryCommit(start));
            reference.Commit(start);
        }

        for (int i = 0; i < steps.Length; i++)
        {
            Step step = steps[i];
            ulong n = reference.Next(step);
            ulong top = window.Top;
            bool expected = reference.Accepts(n);
            bool actual;
            if (esn)
            {
                // RFC 4303 A2: the receiver sees the low 32 bits only. Inside [Top − W + 1, Top + 2^32 − W] the inferred
                // number must be the true one; outside it must differ (the ICV check, over the inferred high bits, fails).
                bool valid = window.TryInferEsn((uint)n, out ulong inferred);
                Int128 lo = (Int128)top - size + 1;
                Int128 hi = (Int128)top + SubSpace - (ulong)size;
                bool inRange = n >= lo && n <= hi;
                if (inRange ? !valid || inferred != n : valid && inferred == n)
                {
                    Assert.Fail($"step {i + 1} {step}: Top 0x{top:X16}, true 0x{n:X16}, inferred {valid} 0x{inferred:X16}");
                }

                actual = valid && inferred == n && window.TryCheck(n);
                if (valid && inferred != n)
                {
                    // Too old to be told apart from a number 2^32 later: the SA checks that one and the ICV fails.
                    if (expected)
                    {
                        Assert.Fail($"step {i + 1} {step}: 0x{n:X16} is outside the inference range yet new");
                    }

                    window.TryCheck(inferred);
                }
            }
            else
            {
                actual = window.TryCheck(n);
            }

            if (expected != actual)
            {
                Assert.Fail($"window {size}, step {i + 1} {step}: 0x{n:X16} with Top 0x{top:X16}: window {actual}, reference {expected}");
            }

            // Checking changed nothing, and checking again gives the same answer.
            if (window.Top != top || ((!esn || actual) && window.TryCheck(n) != actual))
            {
                Assert.Fail($"window {size}, step {i + 1} {step}: checking 0x{n:X16} changed the window");
            }

            if (!step.CheckOnly && (!esn || actual))
            {
                if (window.TryCommit(n) != actual)
                {
                    Assert.Fail($"window {size}, step {i + 1} {step}: TryCommit(0x{n:X16}) disagrees with TryCheck");
                }

                if (actual)
                {
                    reference.Commit(n);
                }
            }

            if (window.Top != reference.Highest)
            {
                Assert.Fail($"window {size}, step {i + 1} {step}: Top 0x{window.Top:X16}, reference 0x{reference.Highest:X16}");
            }
        }
    }

    [Fact]
    public void Esn_inference_matches_the_unique_number_in_the_window_range()
    {
        // The independent statement of RFC 4303 A2.2: the result is the one 64-bit number with these low bits in
        // [Top − W + 1, Top − W + 2^32]; there is none where that number would be negative or above 2^64 − 1.
        Gen<ulong> top = Gen.Frequency<ulong>(
            (1, Gen.UInt[1, 5000].Select(x => (ulong)x)),
            (2, Gen.ULong),
            (2, Gen.Select(Gen.UInt, Gen.Int[-5000, 5000], (k, d) => unchecked(((ulong)k << 32) + (ulong)(long)d))),
            (2, Gen.Select(Gen.UInt, Gen.UInt[0, 5000], (k, d) => ((ulong)k << 32) + d)),       // case B: Tl < W − 1
            (1, Gen.UInt[0, 10_000].Select(x => ulong.MaxValue - x)));

        // The low bits: anywhere, near Tl, or at the window's left edge Tl − W + 1 (the boundary both cases turn on).
        Gen<(int Kind, int Offset)> low = Gen.Frequency<(int, int)>(
            (1, Gen.Int[-5000, 5000].Select(d => (0, d))),
            (2, Gen.Int[-5000, 5000].Select(d => (1, d))),
            (2, Gen.Int[-2, 2].Select(d => (2, d))));
        Gen.Select(GenSize, top, low, Gen.UInt)
            .Sample(
                (size, t, lowKind, random) =>
                {
                    var window = new ReplayWindow(size);
                    if (t != 0)
                    {
                        Assert.True(window.TryCommit(t));
                    }

                    uint low = lowKind.Kind switch
                    {
                        1 => unchecked((uint)t + (uint)lowKind.Offset),
                        2 => unchecked((uint)t - (uint)size + 1 + (uint)lowKind.Offset),
                        _ => random,
                    };
                    Int128 lo = (Int128)t - size + 1;
                    Int128 n = lo + unchecked(low - (uint)(lo & uint.MaxValue));
                    bool expectedValid = n >= 0 && n <= ulong.MaxValue;
                    bool valid = window.TryInferEsn(low, out ulong sequence);
                    if (valid != expectedValid || (valid && sequence != (ulong)n))
                    {
                        Assert.Fail($"window {size}, Top 0x{t:X16}, low 0x{low:X8}: got {valid} 0x{sequence:X16}, expected {expectedValid} {n}");
                    }
                },
                iter: 20_000);
    }
}
