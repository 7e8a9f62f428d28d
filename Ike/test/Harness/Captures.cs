using IpsecFw.Ike.Messages;

namespace IpsecFw.Ike.Tests.Harness;

/// <summary>The IKEv2 messages of tcpdump's test captures, read once.</summary>
internal static class Captures
{
    public static readonly string[] IkeV2Files = ["ikev2four.pcap", "ikev2pI2.pcap"];

    public static List<CapturedDatagram> Read(string file) =>
        PcapReader.ReadIkeDatagrams(TestData.Shared(Path.Combine("tcpdump", "tests", file)));

    /// <summary>Every IKE datagram (IKEv2 only) of the IKEv2 captures.</summary>
    public static List<(string Name, byte[] Bytes)> AllIkeV2Messages()
    {
        var result = new List<(string, byte[])>();
        foreach (string file in IkeV2Files)
        {
            foreach (CapturedDatagram datagram in Read(file).Where(d => d.Kind == DatagramKind.Ike))
            {
                if (IkeHeader.TryRead(datagram.Payload, out IkeHeader header) && header.MajorVersion == IkeSpec.MajorVersion)
                {
                    result.Add(($"{file}#{datagram.Frame}", datagram.Payload));
                }
            }
        }

        return result;
    }
}
