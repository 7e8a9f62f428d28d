using System.Buffers.Binary;
using CsCheck;
using IpsecFw.Ike.Fragmentation;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Tests.Fragmentation;

/// <summary>Truncated, mutated and random SKF messages never throw and never complete a message.</summary>
public sealed class HostileFragmentTests
{
    [Fact]
    public void Mutated_or_truncated_fragments_never_throw_and_never_complete()
    {
        using var kit = new FragmentKit("aes128-sha256");
        IReadOnlyList<byte[]> fragments = kit.Fragment(FragmentKit.Inner(900), 256);
        Gen.Select(Gen.Int[0, fragments.Count - 1], Gen.Int[0, 2], Gen.Int[0, 400], Gen.Byte[1, 255]).Sample(t =>
        {
            (int which, int how, int position, byte flip) = t;
            byte[] f = (byte[])fragments[which].Clone();
            byte[] hostile = how switch
            {
                0 => f[..Math.Min(position, f.Length - 1)],
                1 => Flip(f, position % f.Length, flip),
                _ => [.. f, .. new byte[position % 64 + 1]],
            };
            if (how != 0)
            {
                // Keep the header's Length right so that the SKF path (not only the outer decoder) is reached.
                BinaryPrimitives.WriteUInt32BigEndian(hostile.AsSpan(IkeHeader.LengthOffset), (uint)hostile.Length);
            }

            var r = new FragmentReassembler();
            foreach (byte[] other in fragments.Where((_, i) => i != which))
            {
                kit.Submit(r, other);
            }

            if (IkeMessage.TryDecode(hostile, out IkeMessage m, out _))
            {
                FragmentStatus status = r.Submit(kit.Receiver, hostile, m, FragmentKit.T0, out _, out _);
                if (!hostile.AsSpan().SequenceEqual(fragments[which]))
                {
                    Assert.NotEqual(FragmentStatus.Complete, status);
                }
            }
        }, iter: 2000);
    }

    [Fact]
    public void Random_skf_messages_never_throw()
    {
        using var kit = new FragmentKit();
        Gen.Select(Gen.UShort, Gen.UShort, Gen.Byte, Gen.Byte.Array[0, 200]).Sample(t =>
        {
            (ushort number, ushort total, byte next, byte[] data) = t;
            var m = new IkeMessage(FragmentKit.Header(), [new EncryptedFragmentPayload((PayloadType)next, number, total, data)]);
            byte[] datagram = m.Encode();
            var r = new FragmentReassembler();
            if (IkeMessage.TryDecode(datagram, out IkeMessage decoded, out _))
            {
                Assert.Equal(FragmentStatus.Rejected, r.Submit(kit.Receiver, datagram, decoded, FragmentKit.T0, out _, out _));
                Assert.Equal(0, r.Count);
            }
        }, iter: 3000);
    }

    private static byte[] Flip(byte[] f, int at, byte mask)
    {
        f[at] ^= mask;
        return f;
    }
}
