using System.Numerics;

namespace IpsecFw.Esp.Sa;

/// <summary>
/// RFC 4303 3.4.3 anti-replay window, as the block bitmap of RFC 6479: <c>n</c> 64-bit blocks, a power of two, of which
/// at least the configured window size lies left of the highest sequence number seen; advancing the window clears whole
/// blocks instead of shifting bits. With extended sequence numbers the high 32 bits are inferred as RFC 4303 Appendix A2
/// says.
/// </summary>
/// <remarks>
/// <see cref="TryCheck"/> runs before decryption and changes nothing; <see cref="TryCommit"/> runs only after the ICV has
/// verified and re-checks, so two packets that passed the check together cannot both commit. Not safe for concurrent use:
/// one thread processes one inbound SA at a time.
/// </remarks>
public sealed class ReplayWindow
{
    /// <summary>The default window: 1,024 packets.</summary>
    public const int DefaultSize = 1024;

    private readonly ulong[] _blocks;
    private readonly int _mask;
    private ulong _top;

    /// <summary>Creates a window that accepts sequence numbers up to <paramref name="size"/> − 1 behind the highest seen.</summary>
    /// <param name="size">Window size in packets, 64 to 1,048,576.</param>
    public ReplayWindow(int size = DefaultSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 64);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, 1 << 20);
        Size = size;

        // One block more than the window needs: the block holding the top is only partly inside the window.
        int blocks = (int)BitOperations.RoundUpToPowerOf2((uint)((size + 63) / 64 + 1));
        _blocks = new ulong[blocks];
        _mask = blocks - 1;
    }

    /// <summary>The window size in packets.</summary>
    public int Size { get; }

    /// <summary>The highest sequence number committed so far (0 before the first packet).</summary>
    public ulong Top => _top;

    /// <summary>
    /// RFC 4303 Appendix A2.2: the full 64-bit sequence number a packet carrying <paramref name="low"/> most probably
    /// has, judged from the window's top. False where no valid number fits (before the first or after the last).
    /// </summary>
    public bool TryInferEsn(uint low, out ulong sequence)
    {
        uint tl = (uint)_top;
        uint th = (uint)(_top >> 32);
        uint w = (uint)Size;
        uint high;
        if (tl >= w - 1)
        {
            // Case A: the window lies within one sub-space.
            if (low >= tl - w + 1)
            {
                high = th;
            }
            else if (th == uint.MaxValue)
            {
                sequence = 0;
                return false;
            }
            else
            {
                high = th + 1;
            }
        }
        else if (low >= unchecked(tl - w + 1))
        {
            // Case B: the window spans two sub-spaces and this number belongs to the earlier one.
            if (th == 0)
            {
                sequence = 0;
                return false;
            }

            high = th - 1;
        }
        else
        {
            high = th;
        }

        sequence = ((ulong)high << 32) | low;
        return true;
    }

    /// <summary>True when <paramref name="sequence"/> is new and inside (or right of) the window. Changes nothing.</summary>
    public bool TryCheck(ulong sequence)
    {
        if (sequence == 0)
        {
            return false;
        }

        if (sequence > _top)
        {
            return true;
        }

        if (_top - sequence >= (ulong)Size)
        {
            return false;
        }

        return (_blocks[(int)(sequence >> 6) & _mask] & (1UL << (int)(sequence & 63))) == 0;
    }

    /// <summary>
    /// Marks <paramref name="sequence"/> as received and advances the window if it lies right of the top. Call only
    /// after the ICV has verified. Returns false (and changes nothing) if it was a replay after all.
    /// </summary>
    public bool TryCommit(ulong sequence)
    {
        if (!TryCheck(sequence))
        {
            return false;
        }

        if (sequence > _top)
        {
            ulong oldBlock = _top >> 6;
            ulong newBlock = sequence >> 6;
            ulong clear = Math.Min(newBlock - oldBlock, (ulong)_blocks.Length);
            for (ulong i = 1; i <= clear; i++)
            {
                _blocks[(int)(oldBlock + i) & _mask] = 0;
            }

            _top = sequence;
        }

        _blocks[(int)(sequence >> 6) & _mask] |= 1UL << (int)(sequence & 63);
        return true;
    }
}
