using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using IpsecFw.InteropTests.StrongSwan;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// A flood of IKE_SA_INIT requests (<see cref="IkeSaInitTemplate"/>) from spoofed sources, sent from a raw IPv4 socket
/// (IPPROTO_RAW, which implies IP_HDRINCL: we write the IPv4 and UDP headers; the kernel fills the IPv4 checksum, total
/// length and ID, and a zero UDP checksum means none, RFC 768). Each request comes from the next address of
/// <see cref="SourcePrefix"/> (198.18.64.0/18, so 16,384 sources) on port 500. The rate is paced in batches and the
/// flood is bounded in count and time.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class SpoofedIkeFlood
{
    /// <summary>The spoofed sources; the target namespace must route it back to the sender's namespace.</summary>
    public const string SourcePrefix = "198.18.64.0/18";

    private const int IpHeader = 20, UdpHeader = 8, Batch = 50;

    /// <summary>What was sent: datagrams, refused by the local stack (ENOBUFS), and the time taken.</summary>
    public readonly record struct Result(long Sent, long SendFailures, TimeSpan Elapsed)
    {
        public double Rate => Sent / Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Sends up to <paramref name="rate"/> requests a second to <paramref name="target"/>:500 from inside
    /// <paramref name="ns"/> until <paramref name="duration"/> passes or <paramref name="cancel"/> fires; at most
    /// rate × duration datagrams.
    /// </summary>
    public static Result Run(Netns ns, IPAddress target, int rate, TimeSpan duration, CancellationToken cancel)
    {
        using Socket raw = ns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Raw));
        var template = new IkeSaInitTemplate();
        var random = new Random(6);
        byte[] packet = new byte[IpHeader + UdpHeader + template.Length];
        WriteHeaders(packet, target, template.Length);
        var to = new IPEndPoint(target, 0);
        long limit = (long)(rate * duration.TotalSeconds), sent = 0, failures = 0;
        var watch = Stopwatch.StartNew();
        while (sent + failures < limit && watch.Elapsed < duration && !cancel.IsCancellationRequested)
        {
            for (int i = 0; i < Batch; i++)
            {
                long n = sent + failures;
                // 198.18.64.0 + n mod 2^14: the source address, big-endian at offset 12.
                BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(12), 0xC6124000u | (uint)(n & 0x3FFF));
                template.Write(packet.AsSpan(IpHeader + UdpHeader), random);
                try
                {
                    raw.SendTo(packet, SocketFlags.None, to);
                    sent++;
                }
                catch (SocketException)
                {
                    failures++;
                }
            }

            // Pace: wait while ahead of rate × elapsed.
            while ((sent + failures) > rate * watch.Elapsed.TotalSeconds && watch.Elapsed < duration)
            {
                Thread.Sleep(1);
            }
        }

        return new Result(sent, failures, watch.Elapsed);
    }

    private static void WriteHeaders(Span<byte> packet, IPAddress target, int payload)
    {
        packet[0] = 0x45; // IPv4, 5 words
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)(IpHeader + UdpHeader + payload));
        packet[8] = 64; // TTL
        packet[9] = (byte)ProtocolType.Udp;
        target.GetAddressBytes().CopyTo(packet[16..]);
        Span<byte> udp = packet[IpHeader..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, 500);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 500);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(UdpHeader + payload));
    }
}
