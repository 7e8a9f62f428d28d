using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using IpsecFw.Fuzz.Fuzzers;
using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Spd.Distribution;

namespace IpsecFw.Fuzz;

/// <summary>
/// Writes the seeds of the targets added after the first three (<c>--make-seeds</c>): SK messages sealed with the fuzz
/// keys around the inner chains of the IKE captures, IKE_SA_INIT requests and in-SA requests of an in-process pair,
/// TS and CP bodies, names and certificates of the fuzz PKI, IP packets and their fragments, signed policy bundles.
/// Deterministic except where a signature is randomised (ECDSA) or a key is generated per run (the pair's x25519).
/// </summary>
internal static class MoreSeeds
{
    public static int Write(string corpora)
    {
        int count = 0;
        void Save(string target, string name, byte[] bytes)
        {
            string folder = Path.Combine(corpora, target);
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, name), bytes);
            count++;
        }

        // IkeSkDecrypt: the payload chains of the captured datagrams, sealed (path 1) and as whole protected messages (path 0).
        string captures = Path.Combine(corpora, "IkeMessageDecode");
        IReadOnlyList<IkeCipherSuite> suites = IkeCipherSuite.Supported;
        int n = 0;
        foreach (string file in Directory.EnumerateFiles(captures, "*.bin").Order(StringComparer.Ordinal))
        {
            if (!IkeMessage.TryDecode(File.ReadAllBytes(file), out IkeMessage message, out _) || message.Encrypted is not null)
            {
                continue;
            }

            int suiteIndex = n++ % suites.Count;
            byte[] chain = Chain(message.Payloads);
            byte first = (byte)(message.Payloads.Count > 0 ? message.Payloads[0].Type : PayloadType.None);
            string stem = Path.GetFileNameWithoutExtension(file);
            Save("IkeSkDecrypt", $"sealed-{stem}.bin", [(byte)(0x80 | suiteIndex), first, (byte)message.Header.ExchangeType, 0, .. chain]);
            using SkProtector protector = IkeSkDecryptFuzzer.Protector(suites[suiteIndex]);
            var header = message.Header with { NextPayload = PayloadType.None, Length = 0 };
            if (IkeMessageProtection.TryProtect(protector, header, message.Payloads, out byte[] datagram, out _))
            {
                Save("IkeSkDecrypt", $"protected-{stem}.bin", [(byte)suiteIndex, .. datagram]);
            }

            if (message.Payloads.OfType<TsPayload>().FirstOrDefault() is TsPayload ts)
            {
                Save("TrafficSelectors", $"capture-{stem}.bin", [(byte)(ts.Type == PayloadType.TrafficSelectorInitiator ? 1 : 0), .. Body(ts)]);
            }

            if (message.Payloads.OfType<ConfigurationPayload>().FirstOrDefault() is ConfigurationPayload cp)
            {
                Save("ConfigurationPayload", $"capture-{stem}.bin", Body(cp));
            }
        }

        Save("IkeSkDecrypt", "sealed-empty-liveness.bin", [0x80, 0, (byte)ExchangeType.Informational, 0]);

        // IkeResponder
        foreach ((string name, byte[] input) in IkeResponderFuzzer.Seeds())
        {
            Save("IkeResponder", name, input);
        }

        // TrafficSelectors
        TrafficSelector v4 = new(TsType.Ipv4AddressRange, 0, 0, 65535, IPAddress.Parse("198.18.0.0"), IPAddress.Parse("198.18.255.255"));
        TrafficSelector v4Tcp = new(TsType.Ipv4AddressRange, 6, 443, 443, IPAddress.Parse("198.18.1.1"), IPAddress.Parse("198.18.1.1"));
        TrafficSelector v6 = new(TsType.Ipv6AddressRange, 17, 500, 4500, IPAddress.Parse("2001:2::"), IPAddress.Parse("2001:2::ffff"));
        TrafficSelector any = new(TsType.Ipv4AddressRange, 0, 0, 65535, IPAddress.Any, IPAddress.Broadcast);
        Save("TrafficSelectors", "one-v4.bin", [1, .. Body(new TsPayload(true, [v4]))]);
        Save("TrafficSelectors", "three-mixed.bin", [0, .. Body(new TsPayload(false, [v4Tcp, v6, any]))]);
        Save("TrafficSelectors", "any.bin", [1, .. Body(new TsPayload(true, [any]))]);

        // ConfigurationPayload
        Save("ConfigurationPayload", "request.bin", Body(new ConfigurationPayload(ConfigurationType.Request,
            [new(ConfigurationAttributeType.InternalIp4Address, []), new(ConfigurationAttributeType.InternalIp4Dns, []), new(ConfigurationAttributeType.InternalIp6Address, [])])));
        Save("ConfigurationPayload", "reply.bin", Body(new ConfigurationPayload(ConfigurationType.Reply,
        [
            new(ConfigurationAttributeType.InternalIp4Address, [198, 18, 5, 10]),
            new(ConfigurationAttributeType.InternalIp4Netmask, [255, 255, 255, 0]),
            new(ConfigurationAttributeType.InternalIp4Subnet, [198, 18, 0, 0, 255, 254, 0, 0]),
            new(ConfigurationAttributeType.InternalIp6Address, [0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 64]),
            new(ConfigurationAttributeType.InternalDnsDomain, "example.com"u8.ToArray()),
            new(ConfigurationAttributeType.ApplicationVersion, "IpsecFw"u8.ToArray()),
        ])));

        // DistinguishedName and CertificateChain
        FuzzPki.Pki pki = FuzzPki.Value;
        foreach ((string name, byte[] der) in new[] { ("root", pki.RootDer), ("intermediate", pki.IntermediateDer), ("end-entity", pki.EndEntityDer) })
        {
            using var certificate = X509CertificateLoader.LoadCertificate(der);
            Save("DistinguishedName", $"subject-{name}.bin", certificate.SubjectName.RawData);
        }

        Save("DistinguishedName", "multi-valued.bin", new X500DistinguishedName("CN=a+OU=b, O=Example, C=SE, E=admin@example.com").RawData);
        Save("DistinguishedName", "utf8.bin", new X500DistinguishedName("CN=gw\u00e5.example.com, OU=\u00e9ng, DC=example, DC=com", X500DistinguishedNameFlags.UseUTF8Encoding).RawData);
        Save("DistinguishedName", "empty.bin", [0x30, 0x00]);
        foreach ((string name, byte[] input) in CertificateChainFuzzer.Seeds())
        {
            Save("CertificateChain", name, input);
        }

        // PacketClassifier and FragmentReassembly
        byte[] tcp4 = Ipv4(6, Tcp(40000, 443, 0x02, 0), 0);
        byte[] udp4 = Ipv4(17, Udp(500, 500, 64), 0);
        byte[] icmp4 = Ipv4(1, [8, 0, 0, 0, 0, 1, 0, 1, .. new byte[24]], 0);
        byte[] tcp6 = Ipv6(6, Tcp(40000, 22, 0x12, 0));
        byte[] udp6HopByHop = Ipv6(0, [17, 0, 1, 4, 0, 0, 0, 0, .. Udp(4500, 4500, 32)]);
        byte[] icmp6 = Ipv6(58, [128, 0, 0, 0, 0, 1, 0, 1, .. new byte[16]]);
        foreach ((string name, byte[] packet) in new[] { ("tcp4-syn", tcp4), ("udp4", udp4), ("icmp4-echo", icmp4), ("tcp6-synack", tcp6), ("udp6-hopbyhop", udp6HopByHop), ("icmp6-echo", icmp6) })
        {
            Save("PacketClassifier", $"{name}.bin", packet);
        }

        Save("PacketClassifier", "tcp4-fragment.bin", Ipv4Fragments(Ipv4(6, Tcp(40000, 443, 0x18, 400), 0x1234), 64)[0]);
        Save("PacketClassifier", "udp6-fragment.bin", Ipv6Fragments(Ipv6(17, Udp(500, 500, 300)), 96, 0x77)[1]);

        byte[] big4 = Ipv4(17, Udp(500, 500, 600), 0x4242);
        byte[] big6 = Ipv6(17, Udp(4500, 4500, 600));
        Save("FragmentReassembly", "v4-in-order.bin", Records(Ipv4Fragments(big4, 200)));
        Save("FragmentReassembly", "v4-reversed.bin", Records([.. Ipv4Fragments(big4, 200).AsEnumerable().Reverse()]));
        Save("FragmentReassembly", "v6-in-order.bin", Records(Ipv6Fragments(big6, 200, 0x99)));
        List<byte[]> overlapping = Ipv4Fragments(big4, 200);
        overlapping.Insert(1, Ipv4Fragments(big4, 96)[1]);
        Save("FragmentReassembly", "v4-overlap.bin", Records(overlapping));
        Save("FragmentReassembly", "v4-v6-interleaved.bin", Records([.. Ipv4Fragments(big4, 300).Zip(Ipv6Fragments(big6, 300, 0x5)).SelectMany(p => new[] { p.First, p.Second })]));
        Save("FragmentReassembly", "not-fragment.bin", Records([tcp4, tcp6]));

        // PolicyBundle: the policies of the SpdCompile corpus, signed (path 0) and as text (path 1).
        foreach (string file in Directory.EnumerateFiles(Path.Combine(corpora, "SpdCompile"), "*.pol").Order(StringComparer.Ordinal))
        {
            byte[] text = File.ReadAllBytes(file);
            string stem = Path.GetFileNameWithoutExtension(file);
            Save("PolicyBundle", $"source-{stem}.bin", [1, .. text]);
            CompiledPolicy? policy = CompiledPolicy.FromSource(System.Text.Encoding.UTF8.GetString(text), file, out _);
            if (policy is not null)
            {
                PolicyBundle bundle = BundleSigner.Sign(PolicyBundleFuzzer.Key, policy, 9, PolicyBundleFuzzer.Now.AddHours(-2), PolicyBundleFuzzer.Now.AddDays(7));
                Save("PolicyBundle", $"signed-{stem}.bin", [0, 3, .. bundle.Encoded]);
                Save("PolicyBundle", $"compiled-{stem}.bin", [0, .. policy.Encoded]);
            }
        }

        return count;
    }

    private static byte[] Chain(IReadOnlyList<IkePayload> payloads)
    {
        byte[] chain = new byte[payloads.Sum(p => p.GetSerializedLength())];
        var writer = new MessageWriter(chain);
        foreach (IkePayload payload in payloads)
        {
            _ = writer.TryAdd(payload);
        }

        _ = writer.TryFinish(out int length);
        return chain[..length];
    }

    private static byte[] Body(IkePayload payload)
    {
        byte[] body = new byte[payload.GetBodyLength()];
        _ = payload.TryWriteBody(body, out int written);
        return body[..written];
    }

    private static byte[] Records(IEnumerable<byte[]> packets)
    {
        var writer = new InputWriter();
        foreach (byte[] packet in packets)
        {
            writer.Byte(1).Block16(packet);
        }

        return writer.ToArray();
    }

    private static byte[] Tcp(ushort source, ushort destination, byte flags, int payload)
    {
        byte[] segment = new byte[20 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(segment, source);
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), destination);
        segment[12] = 5 << 4;
        segment[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(14), 65535);
        return segment;
    }

    private static byte[] Udp(ushort source, ushort destination, int payload)
    {
        byte[] datagram = new byte[8 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(datagram, source);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(2), destination);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(4), (ushort)datagram.Length);
        return datagram;
    }

    private static byte[] Ipv4(byte protocol, byte[] payload, ushort id)
    {
        byte[] packet = new byte[20 + payload.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), id);
        packet[8] = 64;
        packet[9] = protocol;
        packet[12] = 198; packet[13] = 18; packet[14] = 0; packet[15] = 1;
        packet[16] = 198; packet[17] = 18; packet[18] = 0; packet[19] = 2;
        Checksum(packet);
        payload.CopyTo(packet, 20);
        return packet;
    }

    private static void Checksum(byte[] packet)
    {
        int headerLength = (packet[0] & 0x0f) * 4;
        packet[10] = packet[11] = 0;
        uint sum = 0;
        for (int i = 0; i < headerLength; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(i));
        }

        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), (ushort)~sum);
    }

    private static byte[] Ipv6(byte next, byte[] payload)
    {
        byte[] packet = new byte[40 + payload.Length];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)payload.Length);
        packet[6] = next;
        packet[7] = 64;
        IPAddress.Parse("2001:2::1").GetAddressBytes().CopyTo(packet, 8);
        IPAddress.Parse("2001:2::2").GetAddressBytes().CopyTo(packet, 24);
        payload.CopyTo(packet, 40);
        return packet;
    }

    /// <summary>Splits an IPv4 packet (20-byte header) into fragments of <paramref name="size"/> data bytes (a multiple of 8).</summary>
    private static List<byte[]> Ipv4Fragments(byte[] packet, int size)
    {
        var fragments = new List<byte[]>();
        ReadOnlySpan<byte> data = packet.AsSpan(20);
        for (int offset = 0; offset < data.Length; offset += size)
        {
            int length = Math.Min(size, data.Length - offset);
            byte[] fragment = new byte[20 + length];
            packet.AsSpan(0, 20).CopyTo(fragment);
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(2), (ushort)fragment.Length);
            bool more = offset + length < data.Length;
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(6), (ushort)((more ? 0x2000 : 0) | (offset / 8)));
            Checksum(fragment);
            data.Slice(offset, length).CopyTo(fragment.AsSpan(20));
            fragments.Add(fragment);
        }

        return fragments;
    }

    /// <summary>Splits an IPv6 packet without extension headers into fragments with a Fragment header.</summary>
    private static List<byte[]> Ipv6Fragments(byte[] packet, int size, uint id)
    {
        var fragments = new List<byte[]>();
        byte next = packet[6];
        ReadOnlySpan<byte> data = packet.AsSpan(40);
        for (int offset = 0; offset < data.Length; offset += size)
        {
            int length = Math.Min(size, data.Length - offset);
            byte[] fragment = new byte[48 + length];
            packet.AsSpan(0, 40).CopyTo(fragment);
            fragment[6] = 44;
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(4), (ushort)(8 + length));
            fragment[40] = next;
            bool more = offset + length < data.Length;
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(42), (ushort)(offset | (more ? 1 : 0)));
            BinaryPrimitives.WriteUInt32BigEndian(fragment.AsSpan(44), id);
            data.Slice(offset, length).CopyTo(fragment.AsSpan(48));
            fragments.Add(fragment);
        }

        return fragments;
    }
}
