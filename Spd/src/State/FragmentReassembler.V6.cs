using System.Buffers.Binary;
using IpsecFw.Spd.Packets;

namespace IpsecFw.Spd.State;

// IPv6: the Fragment header (RFC 8200 4.5) after the unfragmentable part.
//
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
//   |                         Identification                        |
public sealed partial class FragmentReassembler
{
    private ReassemblyStatus SubmitV6(ReadOnlySpan<byte> packet, long now, out ReadOnlySpan<byte> datagram, out FragmentDropReason reason)
    {
        datagram = default;
        reason = FragmentDropReason.None;
        if (packet.Length < IpHeaders.V6Header)
        {
            return ReassemblyStatus.NotFragment;
        }

        int payload = BinaryPrimitives.ReadUInt16BigEndian(packet[IpHeaders.V6PayloadLengthOffset..]);
        int total = IpHeaders.V6Header + payload;
        if (payload == 0 || total > packet.Length)
        {
            return ReassemblyStatus.NotFragment; // the classifier reports malformed packets
        }

        packet = packet[..total];
        int nextHeaderOffset = IpHeaders.V6NextHeaderOffset;
        int offset = IpHeaders.V6Header;
        for (int count = 0; packet[nextHeaderOffset] != IpHeaders.Fragment; count++)
        {
            byte next = packet[nextHeaderOffset];
            if (count >= PacketClassifier.MaxExtensionHeaders || !(IpHeaders.IsGenericExtension(next) || next == IpHeaders.Ah))
            {
                return ReassemblyStatus.NotFragment; // no Fragment header before the upper layer
            }

            if (offset + 2 > packet.Length)
            {
                return ReassemblyStatus.NotFragment;
            }

            int length = next == IpHeaders.Ah ? (packet[offset + 1] + 2) * 4 : (packet[offset + 1] + 1) * 8;
            nextHeaderOffset = offset;
            offset += length;
            if (offset > packet.Length)
            {
                return ReassemblyStatus.NotFragment;
            }
        }

        if (offset + IpHeaders.V6FragmentHeader > packet.Length)
        {
            return Drop(FragmentDropReason.Malformed, out reason);
        }

        ReadOnlySpan<byte> fragmentHeader = packet.Slice(offset, IpHeaders.V6FragmentHeader);
        byte upper = fragmentHeader[0];
        ushort offsetField = BinaryPrimitives.ReadUInt16BigEndian(fragmentHeader[2..]);
        int start = offsetField & IpHeaders.V6OffsetMask;
        bool more = (offsetField & IpHeaders.V6MoreFragments) != 0;
        uint id = BinaryPrimitives.ReadUInt32BigEndian(fragmentHeader[4..]);
        ReadOnlySpan<byte> data = packet[(offset + IpHeaders.V6FragmentHeader)..];
        ReadOnlySpan<byte> unfragmentable = packet[..offset];

        // RFC 8200 4.5: the reassembled Payload Length may not exceed 65,535.
        if (unfragmentable.Length - IpHeaders.V6Header + start + data.Length > MaxPayload)
        {
            return Drop(FragmentDropReason.TooBig, out reason);
        }

        if (start == 0 ? !HoldsHeaderChain(upper, data, out byte transport) : start < TailMinimum(upper))
        {
            return Drop(FragmentDropReason.TinyFragment, out reason);
        }

        var key = new Key(
            BinaryPrimitives.ReadUInt128BigEndian(packet[IpHeaders.V6SourceOffset..]),
            BinaryPrimitives.ReadUInt128BigEndian(packet[IpHeaders.V6DestinationOffset..]), id, 0, IsIPv6: true);

        // RFC 6946: an atomic fragment (offset 0, M clear) is reassembled on its own, never with other fragments.
        bool atomic = start == 0 && !more;
        var fragment = new Fragment(start, more, data, unfragmentable, nextHeaderOffset, upper);
        return Accept(key, fragment, now, _limits.IPv6Timeout, atomic, out datagram, out reason);
    }

    // RFC 7112: the first fragment holds every extension header after the Fragment header and the upper-layer header.
    private static bool HoldsHeaderChain(byte next, ReadOnlySpan<byte> data, out byte transport)
    {
        int offset = 0;
        for (int count = 0; count <= PacketClassifier.MaxExtensionHeaders; count++)
        {
            if (next == IpHeaders.Fragment || next == IpHeaders.HopByHop)
            {
                transport = next;
                return false; // a second Fragment header, or Hop-by-Hop not first: nothing legitimate looks like this
            }

            if (!IpHeaders.IsGenericExtension(next) && next != IpHeaders.Ah)
            {
                transport = next;
                return data.Length - offset >= IpHeaders.MinTransportHeader(next);
            }

            if (offset + 2 > data.Length)
            {
                break;
            }

            int length = next == IpHeaders.Ah ? (data[offset + 1] + 2) * 4 : (data[offset + 1] + 1) * 8;
            next = data[offset];
            offset += length;
            if (offset > data.Length)
            {
                break;
            }
        }

        transport = 0;
        return false;
    }

    // A later fragment may not start inside the transport header (when the Fragment header names it directly).
    private static int TailMinimum(byte upper) => IpHeaders.MinTransportHeader(upper);
}
