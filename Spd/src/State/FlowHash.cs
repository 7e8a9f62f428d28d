using System.Numerics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace IpsecFw.Spd.State;

/// <summary>
/// A keyed hash of a connection's endpoints: SipHash-1-3 (Aumasson and Bernstein, "SipHash: a fast short-input PRF";
/// the 1-3 variant is the one Rust's and Python's hash tables use) over a fixed 40-byte tuple, under a 128-bit key drawn
/// from <see cref="RandomNumberGenerator"/> once per process. Without the key an attacker cannot aim many flows at one
/// bucket (hash flooding). The two endpoints are put in a fixed order first, so both directions of a connection hash
/// alike. Allocates nothing; thread-safe.
/// </summary>
internal readonly struct FlowHash
{
    private static readonly (ulong K0, ulong K1) s_processKey = NewKey();

    private readonly ulong _k0;
    private readonly ulong _k1;

    private FlowHash(ulong k0, ulong k1)
    {
        _k0 = k0;
        _k1 = k1;
    }

    /// <summary>The process-wide random key.</summary>
    public static FlowHash Process => new(s_processKey.K0, s_processKey.K1);

    /// <summary>A fixed key (tests).</summary>
    public static FlowHash WithKey(ulong k0, ulong k1) => new(k0, k1);

    /// <summary>
    /// The hash of a connection given as its two endpoints in canonical order (lower endpoint first) and its protocol.
    /// </summary>
    public ulong Hash(UInt128 lowAddress, ushort lowPort, UInt128 highAddress, ushort highPort, byte protocol)
    {
        ulong v0 = _k0 ^ 0x736f6d6570736575UL;
        ulong v1 = _k1 ^ 0x646f72616e646f6dUL;
        ulong v2 = _k0 ^ 0x6c7967656e657261UL;
        ulong v3 = _k1 ^ 0x7465646279746573UL;
        Compress(ref v0, ref v1, ref v2, ref v3, (ulong)(lowAddress >> 64));
        Compress(ref v0, ref v1, ref v2, ref v3, (ulong)lowAddress);
        Compress(ref v0, ref v1, ref v2, ref v3, (ulong)(highAddress >> 64));
        Compress(ref v0, ref v1, ref v2, ref v3, (ulong)highAddress);
        Compress(ref v0, ref v1, ref v2, ref v3, ((ulong)lowPort << 32) | ((ulong)highPort << 16) | protocol);

        // The final block holds the message length (40 bytes) in its top byte, as SipHash pads.
        Compress(ref v0, ref v1, ref v2, ref v3, 40UL << 56);
        v2 ^= 0xff;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        return v0 ^ v1 ^ v2 ^ v3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Compress(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3, ulong m)
    {
        v3 ^= m;
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= m;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1;
        v1 = BitOperations.RotateLeft(v1, 13);
        v1 ^= v0;
        v0 = BitOperations.RotateLeft(v0, 32);
        v2 += v3;
        v3 = BitOperations.RotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = BitOperations.RotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = BitOperations.RotateLeft(v1, 17);
        v1 ^= v2;
        v2 = BitOperations.RotateLeft(v2, 32);
    }

    private static (ulong, ulong) NewKey()
    {
        Span<ulong> key = stackalloc ulong[2];
        RandomNumberGenerator.Fill(System.Runtime.InteropServices.MemoryMarshal.AsBytes(key));
        return (key[0], key[1]);
    }
}
