using System.Buffers.Binary;

namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7296 3.11
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Protocol ID   |   SPI Size    |          Num of SPIs          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~               Security Parameter Index(es) (SPI)              ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>
/// The Delete payload (RFC 7296 3.11). For the IKE SA the SPI size and count are 0; for ESP and AH the SPI size is 4 and
/// the SPIs are the ones the sender receives on.
/// </summary>
public sealed class DeletePayload(ProtocolId protocolId, int spiSize, IReadOnlyList<byte[]> spis) : IkePayload
{
    /// <summary>Offset of the first SPI in the body.</summary>
    public const int SpisOffset = 4;

    /// <inheritdoc/>
    public override PayloadType Type => PayloadType.Delete;

    /// <summary>The protocol of the SAs to delete.</summary>
    public ProtocolId ProtocolId { get; } = protocolId;

    /// <summary>The SPI size (0 for IKE, 4 for ESP/AH).</summary>
    public int SpiSize { get; } = spiSize;

    /// <summary>The SPIs, each <see cref="SpiSize"/> bytes.</summary>
    public IReadOnlyList<byte[]> Spis { get; } = spis;

    /// <summary>The SPIs as 32-bit values (ESP/AH).</summary>
    public IEnumerable<uint> Spis32 => Spis.Where(s => s.Length == 4).Select(s => BinaryPrimitives.ReadUInt32BigEndian(s));

    /// <inheritdoc/>
    public override int GetBodyLength() => SpisOffset + (SpiSize * Spis.Count);

    /// <summary>Decodes the body: SPI size times count must be exactly what follows.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out DeletePayload payload, out IkeDecodeFailure failure)
    {
        payload = null!;
        if (body.Length < SpisOffset)
        {
            failure = new IkeDecodeFailure(IkeDecodeError.TruncatedPayloadBody, 0);
            return false;
        }

        int spiSize = body[1];
        int count = BinaryPrimitives.ReadUInt16BigEndian(body[2..]);
        if (count > Limits.MaxDeleteSpis || spiSize * count != body.Length - SpisOffset || (spiSize == 0 && count != 0))
        {
            failure = new IkeDecodeFailure(IkeDecodeError.InvalidDelete, 0);
            return false;
        }

        var spis = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            spis[i] = body.Slice(SpisOffset + (i * spiSize), spiSize).ToArray();
        }

        payload = new DeletePayload((ProtocolId)body[0], spiSize, spis);
        failure = default;
        return true;
    }

    /// <inheritdoc/>
    public override bool TryWriteBody(Span<byte> destination, out int written)
    {
        written = GetBodyLength();
        if (destination.Length < written || SpiSize > byte.MaxValue || Spis.Count > ushort.MaxValue || Spis.Any(s => s.Length != SpiSize))
        {
            written = 0;
            return false;
        }

        destination[0] = (byte)ProtocolId;
        destination[1] = (byte)SpiSize;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)Spis.Count);
        for (int i = 0; i < Spis.Count; i++)
        {
            Spis[i].CopyTo(destination[(SpisOffset + (i * SpiSize))..]);
        }

        return true;
    }
}
