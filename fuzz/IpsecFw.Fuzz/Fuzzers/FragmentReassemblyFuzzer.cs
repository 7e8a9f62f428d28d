using IpsecFw.Spd.Packets;
using IpsecFw.Spd.State;

namespace IpsecFw.Fuzz.Fuzzers;

/// <summary>
/// IPv4 and IPv6 fragment reassembly (<see cref="FragmentReassembler.Submit"/>, <see cref="FragmentReassembler.Expire"/>)
/// with small limits, so the per-source, per-datagram and byte budgets are reached. The input is a sequence of up to
/// 64 records: a time step (1 byte, in units of 250 ms), then a packet (16-bit length + bytes). Every completed datagram
/// is classified. The budgets must hold after every step, and once every timeout has passed nothing may stay held.
/// </summary>
internal sealed class FragmentReassemblyFuzzer : IFuzzer
{
    private const int MaxRecords = 64;

    private static readonly ReassemblyLimits Limits = new()
    {
        MaxDatagrams = 8,
        MaxPerSource = 4,
        MaxBytes = 16 * 1024,
        MaxFragmentsPerDatagram = 16,
        IPv4Timeout = 30_000,
        IPv6Timeout = 60_000,
        MaxHeaderLength = 512,
    };

    public string Name => "FragmentReassembly";

    public string Description => "Spd: FragmentReassembler.Submit/Expire on a sequence of IPv4/IPv6 fragments";

    public void FuzzTarget(ReadOnlySpan<byte> input)
    {
        var reassembler = new FragmentReassembler(Limits);
        var reader = new InputReader(input);
        long now = 1_000_000;
        for (int i = 0; i < MaxRecords && !reader.IsEmpty; i++)
        {
            now += reader.Byte() * 250L;
            byte[] packet = reader.Block16().ToArray();
            ReassemblyStatus status = reassembler.Submit(packet, now, out ReadOnlySpan<byte> datagram, out FragmentDropReason reason);
            if (status == ReassemblyStatus.Complete)
            {
                if (datagram.IsEmpty || (datagram[0] >> 4) is not (4 or 6))
                {
                    throw new FuzzInvariantException($"a completed datagram of {datagram.Length} bytes that is not IP");
                }

                _ = PacketClassifier.Classify(datagram, out _);
            }
            else if (status == ReassemblyStatus.Dropped && reason == FragmentDropReason.None)
            {
                throw new FuzzInvariantException("a drop without a reason");
            }

            if (reassembler.Pending > Limits.MaxDatagrams || reassembler.HeldBytes > Limits.MaxBytes || reassembler.HeldBytes < 0)
            {
                throw new FuzzInvariantException($"budget exceeded: {reassembler.Pending} datagrams, {reassembler.HeldBytes} bytes");
            }

            if ((i & 7) == 7)
            {
                _ = reassembler.Expire(now);
            }
        }

        _ = reassembler.Expire(now + Limits.IPv6Timeout + 1);
        if (reassembler.Pending != 0 || reassembler.HeldBytes != 0)
        {
            throw new FuzzInvariantException($"after every timeout {reassembler.Pending} datagrams and {reassembler.HeldBytes} bytes are still held");
        }
    }
}
