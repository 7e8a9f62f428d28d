using System.Buffers.Binary;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Tests.Harness;

namespace IpsecFw.Ike.Tests.Messages;

/// <summary>Truncations and single-byte corruptions of every captured message: a typed error or a valid decode, never an exception.</summary>
public sealed class HostileInputTests
{
    private static readonly byte[] s_corruptions = [0x00, 0x01, 0x7f, 0x80, 0xff];

    public static IEnumerable<(string Name, byte[] Bytes)> Corpus() =>
        Captures.AllIkeV2Messages().Append(("synthetic-everything", SamplePayloads.Everything().Encode()));

    [Fact]
    public void Truncation_at_every_length_is_a_typed_error()
    {
        int cases = 0;
        foreach ((string name, byte[] bytes) in Corpus())
        {
            for (int length = 0; length < bytes.Length; length++)
            {
                Assert.False(IkeMessage.TryDecode(bytes.AsSpan(0, length), out _, out IkeDecodeFailure failure), $"{name} cut at {length}");
                Assert.NotEqual(IkeDecodeError.None, failure.Error);

                // The same cut with the header's Length patched, so the payload walk meets the truncation itself.
                if (length >= IkeHeader.Size)
                {
                    byte[] cut = bytes[..length];
                    BinaryPrimitives.WriteUInt32BigEndian(cut.AsSpan(IkeHeader.LengthOffset), (uint)length);
                    DecodeOrTypedError(cut, $"{name} cut at {length}, length patched");
                }

                cases++;
            }
        }

        Assert.True(cases > 3000, $"only {cases} cases");
    }

    [Fact]
    public void Single_byte_corruption_anywhere_is_a_typed_error_or_a_valid_decode()
    {
        int decoded = 0, rejected = 0;
        foreach ((string name, byte[] bytes) in Corpus())
        {
            for (int position = 0; position < bytes.Length; position++)
            {
                foreach (byte value in s_corruptions.Append((byte)(bytes[position] ^ 0xff)).Append((byte)(bytes[position] + 1)))
                {
                    byte[] corrupt = (byte[])bytes.Clone();
                    corrupt[position] = value;
                    if (DecodeOrTypedError(corrupt, $"{name} byte {position} = {value:x2}"))
                    {
                        decoded++;
                    }
                    else
                    {
                        rejected++;
                    }
                }
            }
        }

        Assert.True(decoded > 0 && rejected > 0, $"decoded {decoded}, rejected {rejected}");
    }

    [Fact]
    public void Hostile_counts_are_bounded()
    {
        // 65 zero-length-body Vendor IDs: one more than the payload limit.
        var payloads = Enumerable.Range(0, Limits.MaxPayloadsPerMessage + 1).Select(_ => new Ike.Messages.Payloads.VendorIdPayload([])).ToArray();
        byte[] wire = new IkeMessage(SamplePayloads.InitHeader, payloads).Encode();
        Assert.False(IkeMessage.TryDecode(wire, out _, out IkeDecodeFailure failure));
        Assert.Equal(IkeDecodeError.TooManyPayloads, failure.Error);

        // A payload whose length points past the message.
        byte[] vendor = new IkeMessage(SamplePayloads.InitHeader, [new Ike.Messages.Payloads.VendorIdPayload([1, 2, 3])]).Encode();
        BinaryPrimitives.WriteUInt16BigEndian(vendor.AsSpan(IkeHeader.Size + 2), 200);
        Assert.False(IkeMessage.TryDecode(vendor, out _, out failure));
        Assert.Equal(new IkeDecodeFailure(IkeDecodeError.InvalidPayloadLength, IkeHeader.Size), failure);

        // A payload length below the generic header size (a zero length would loop forever in a naive reader).
        BinaryPrimitives.WriteUInt16BigEndian(vendor.AsSpan(IkeHeader.Size + 2), 0);
        Assert.False(IkeMessage.TryDecode(vendor, out _, out failure));
        Assert.Equal(IkeDecodeError.InvalidPayloadLength, failure.Error);
    }

    /// <summary>Decodes; on success the decoded message must re-encode, and that encoding must decode to itself.</summary>
    private static bool DecodeOrTypedError(byte[] input, string what)
    {
        bool ok;
        IkeMessage message;
        IkeDecodeFailure failure;
        try
        {
            ok = IkeMessage.TryDecode(input, out message, out failure);
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name} escaped: {e.Message}");
            throw;
        }

        if (!ok)
        {
            Assert.NotEqual(IkeDecodeError.None, failure.Error);
            Assert.InRange(failure.Offset, 0, input.Length);
            return false;
        }

        byte[] again = message.Encode();
        Assert.True(IkeMessage.TryDecode(again, out IkeMessage second, out failure), $"{what}: re-encoding does not decode: {failure}");
        Assert.Equal(again, second.Encode());
        return true;
    }
}
