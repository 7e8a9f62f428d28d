using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using IpsecFw.Host.Control;

namespace IpsecFw.Host.Tests.Control;

/// <summary>The pooled frame the control server answers with: the same bytes as serializing to an array and framing it.</summary>
public sealed class PooledFrameBufferTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(200)]
    [InlineData(2000)]
    public void A_frame_is_the_length_prefix_and_the_json_of_the_answer_at_any_size(int sas)
    {
        var response = new ControlResponse
        {
            Ok = true,
            Sas = [.. Enumerable.Range(0, sas).Select(i => new IkeSaInfo
            {
                PeerName = $"peer{i}", PeerIdentity = $"CN=host{i}.example.com", PeerAddress = "198.18.0.2", State = "established",
                InitiatorSpi = $"{i:x16}", ResponderSpi = "0123456789abcdef",
            })],
        };
        byte[] expected = ControlFraming.Encode(JsonSerializer.SerializeToUtf8Bytes(response, ControlJsonContext.Default.ControlResponse));

        using var frame = new PooledFrameBuffer(initialCapacity: 16);
        using (var writer = new Utf8JsonWriter(frame))
        {
            JsonSerializer.Serialize(writer, response, ControlJsonContext.Default.ControlResponse);
        }

        Assert.Equal(expected, frame.Frame.ToArray());
        Assert.Equal(expected.Length - ControlFraming.HeaderLength, (int)BinaryPrimitives.ReadUInt32BigEndian(frame.Frame.Span));
    }

    [Fact]
    public void Clear_starts_the_payload_again_and_an_empty_or_oversized_frame_is_refused()
    {
        using var frame = new PooledFrameBuffer();
        Assert.Throws<InvalidOperationException>(() => frame.Frame);
        frame.Write("{\"ok\":true}"u8);
        Assert.Equal(11, frame.PayloadLength);
        frame.Clear();
        Assert.Equal(0, frame.PayloadLength);

        frame.GetSpan(ControlFraming.MaxFrameLength + 1);
        frame.Advance(ControlFraming.MaxFrameLength + 1);
        Assert.Throws<InvalidOperationException>(() => frame.Frame);
        Assert.Throws<ArgumentOutOfRangeException>(() => frame.Advance(frame.GetSpan().Length + 1));
    }

    [Fact]
    public void A_disposed_frame_refuses_to_grow()
    {
        var frame = new PooledFrameBuffer();
        frame.Dispose();
        frame.Dispose();
        Assert.Throws<ObjectDisposedException>(() => frame.GetSpan(1));
    }
}
