using System.Buffers.Binary;

namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7296 3.10
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Protocol ID  |   SPI Size    |      Notify Message Type      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                Security Parameter Index (SPI)                 ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                       Notification Data                       ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>The Notify payload (RFC 7296 3.10). Unknown notify types are kept: the receiver decides (2.21: ignore unknown status types).</summary>
public sealed class NotifyPayload(ProtocolId protocolId, NotifyType notifyType, byte[] spi, byte[] data) : IkePayload
{
    /// <summary>Offset of SPI Size.</summary>
    public const int SpiSizeOffset = 1;

    /// <summary>Offset of Notify Message Type.</summary>
    public const int NotifyTypeOffset = SpiSizeOffset + 1;

    /// <summary>Offset of the SPI.</summary>
    public const int SpiOffset = NotifyTypeOffset + sizeof(ushort);

    /// <summary>A notify about the IKE SA (no protocol, no SPI).</summary>
    public NotifyPayload(NotifyType notifyType, byte[]? data = null)
        : this(ProtocolId.None, notifyType, [], data ?? [])
    {
    }

    /// <inheritdoc/>
    public override PayloadType Type => PayloadType.Notify;

    /// <summary>The protocol the SPI belongs to (0 when there is no SPI).</summary>
    public ProtocolId ProtocolId { get; } = protocolId;

    /// <summary>The notify message type.</summary>
    public NotifyType NotifyType { get; } = notifyType;

    /// <summary>True for error types (below 16384, RFC 7296 3.10.1).</summary>
    public bool IsError => (int)NotifyType < IkeSpec.FirstStatusNotifyType;

    /// <summary>The SPI (empty, or 4 bytes for a CHILD_SA).</summary>
    public byte[] Spi { get; } = spi;

    /// <summary>The notification data.</summary>
    public byte[] Data { get; } = data;

    /// <inheritdoc/>
    public override int GetBodyLength() => SpiOffset + Spi.Length + Data.Length;

    /// <summary>Decodes the body.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out NotifyPayload payload, out IkeDecodeFailure failure)
    {
        payload = null!;
        if (body.Length < SpiOffset)
        {
            failure = new IkeDecodeFailure(IkeDecodeError.TruncatedPayloadBody, 0);
            return false;
        }

        int spiSize = body[SpiSizeOffset];
        if (body.Length - SpiOffset < spiSize)
        {
            failure = new IkeDecodeFailure(IkeDecodeError.InvalidNotify, SpiSizeOffset);
            return false;
        }

        payload = new NotifyPayload(
            (ProtocolId)body[0],
            (NotifyType)BinaryPrimitives.ReadUInt16BigEndian(body[NotifyTypeOffset..]),
            body.Slice(SpiOffset, spiSize).ToArray(),
            body[(SpiOffset + spiSize)..].ToArray());
        failure = default;
        return true;
    }

    /// <inheritdoc/>
    public override bool TryWriteBody(Span<byte> destination, out int written)
    {
        written = GetBodyLength();
        if (destination.Length < written || Spi.Length > byte.MaxValue)
        {
            written = 0;
            return false;
        }

        destination[0] = (byte)ProtocolId;
        destination[SpiSizeOffset] = (byte)Spi.Length;
        BinaryPrimitives.WriteUInt16BigEndian(destination[NotifyTypeOffset..], (ushort)NotifyType);
        Spi.CopyTo(destination[SpiOffset..]);
        Data.CopyTo(destination[(SpiOffset + Spi.Length)..]);
        return true;
    }
}
