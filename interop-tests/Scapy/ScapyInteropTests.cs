using System.Net.Sockets;
using IpsecFw.Esp;
using IpsecFw.Esp.Packet;
using IpsecFw.Esp.Sa;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Scapy;

/// <summary>
/// Our ESP against Scapy's (scapy.layers.ipsec, which drives python-cryptography's AEADs) in both directions, for every
/// cell of <see cref="Matrix"/>: AES-GCM-16 128/256 and ChaCha20-Poly1305, 32-bit and extended sequence numbers,
/// tunnel (4in4, 6in6, 6in4, 4in6) and transport (v4, v6), raw ESP and RFC 3948 UDP encapsulation.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ScapyInteropTests(ScapyInteropFixture fixture) : IClassFixture<ScapyInteropFixture>
{
    /// <summary>Every scenario name.</summary>
    public static TheoryData<string> Scenarios => new(Matrix.All.Select(s => s.Name));

    [Fact]
    public void Matrix_is_complete_and_python_answered_every_cell()
    {
        Ready();
        var cells = Matrix.All.Where(s => s.TfcPadTo == 0).Select(s => (s.Cipher, s.Esn, s.Mode, s.Outer, s.Inner, s.Udp)).Distinct().ToList();
        Assert.Equal(3 * 2 * 6 * 2, cells.Count);
        Assert.Equal(Matrix.All.Count, Matrix.All.Select(s => s.Name).Distinct().Count());
        Assert.Contains(Matrix.All, s => s.TfcPadTo > 0);

        ScapyResult result = fixture.Result!;
        Assert.Contains("AES-GCM", result.CryptAlgos);
        Assert.Contains("CHACHA20-POLY1305", result.CryptAlgos);
        Assert.Equal(Matrix.All.Count, fixture.Job!.Scenarios.Count);
        Assert.Equal(Matrix.All.Count, result.Scenarios.Count);
        int scapyPackets = result.Scenarios.Sum(r => r.ScapyPackets.Count);
        int ourPackets = result.Scenarios.Sum(r => r.OurPackets.Count);
        Assert.Equal(fixture.Job.Scenarios.Sum(j => j.ScapyPackets.Count), scapyPackets);
        Assert.Equal(fixture.Ours.Values.Sum(o => o.Count), ourPackets);
        Assert.True(scapyPackets >= 700 && ourPackets >= 700, $"matrix too small: {scapyPackets} Scapy packets, {ourPackets} of ours");
        int fixups = result.Scenarios.Sum(r => r.ScapyPackets.Sum(p => p.Fixups?.Count ?? 0));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"scapy {result.ScapyVersion}, cryptography {result.CryptographyVersion}: {Matrix.All.Count} scenarios, " +
            $"{scapyPackets} packets Scapy->us, {ourPackets} us->Scapy, {fixups} Scapy UDP-length fix-ups; " +
            $"set-up {fixture.Elapsed.TotalSeconds:F1}s (python {fixture.Python!.Elapsed.TotalSeconds:F1}s); files in {fixture.WorkDir}");
    }

    /// <summary>
    /// Direction (b): our Encapsulator's packets, opened by Scapy's SecurityAssociation.decrypt, give back exactly our
    /// clear packet (tunnel: the inner packet, plus the TFC zero bytes where configured; transport: the original packet,
    /// which Scapy rebuilds by restoring the protocol / Next Header byte and the length fields, and recomputing the
    /// IPv4 header checksum). The same packets opened with cryptography's AEAD primitive give exactly the payload and
    /// Next Header we meant, with RFC 4303 2.4 padding 1, 2, 3, ... and a 4-byte aligned trailer.
    /// </summary>
    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Scapy_decrypts_what_our_engine_encrypts(string name)
    {
        Ready();
        Scenario s = Matrix.ByName(name);
        int index = Matrix.IndexOf(s);
        IReadOnlyList<OurPacket> ours = fixture.Ours[name];
        Assert.NotEmpty(ours);
        Assert.All(ours, o => Assert.True(o.Error is null, $"{name}: {o.Error}"));
        ScapyResultScenario r = Result(name);
        Assert.Equal(ours.Count, r.OurPackets.Count);
        var ivs = new HashSet<string>();
        for (int i = 0; i < ours.Count; i++)
        {
            OurPacket o = ours[i];
            ScapyDecrypted d = r.OurPackets[i];
            string at = $"{name} packet {i} ({o.Clear.Kind}, {o.Clear.Bytes.Length} bytes, seq 0x{o.Sequence:x})";
            Assert.True(d.Error is null, $"{at}: python could not parse our packet: {d.Error}");
            Assert.Equal(s.Spi(index, scapyToUs: false), d.Spi);
            Assert.Equal((uint)o.Sequence, d.SeqLow);
            Assert.True(ivs.Add(d.Iv!), $"{at}: IV {d.Iv} repeated under one key (RFC 4106 3.1 forbids it)");
            Assert.True(d.OuterProblems is { Count: 0 }, $"{at}: outer header: {string.Join("; ", d.OuterProblems ?? ["none reported"])}");
            if (s.Udp)
            {
                Assert.True(d.UdpProblems is { Count: 0 }, $"{at}: UDP encapsulation: {string.Join("; ", d.UdpProblems ?? ["none reported"])}");
            }

            // Independent ESP-level check with cryptography's AEAD.
            Assert.True(d.AeadError is null, $"{at}: {d.AeadError}");
            byte[] expectedPayload = ExpectedEspPayload(s, o.Clear);
            Assert.True(d.AeadPadOk, $"{at}: padding is not 1, 2, 3, ... (RFC 4303 2.4)");
            Assert.Equal(0, d.AeadEncryptedLength % 4);
            Assert.Equal(ExpectedNextHeader(s, o.Clear), d.AeadNextHeader);
            Assert.Equal(Convert.ToHexStringLower(expectedPayload), d.AeadPayload);

            // Scapy's own decryption and decapsulation.
            Assert.True(d.ScapyError is null, $"{at}: Scapy ({d.ScapyPath}) failed: {d.ScapyError}");
            byte[] expectedClear = s.Mode == EspMode.Tunnel ? expectedPayload : o.Clear.Bytes;
            Assert.Equal(Convert.ToHexStringLower(expectedClear), d.ScapyClear);
        }

        if (s.Esn)
        {
            // The ESN cell must really have crossed a 2^32 boundary of the 64-bit counter.
            Assert.Contains(ours, o => o.Sequence >> 32 == 1);
            Assert.Contains(ours, o => o.Sequence >> 32 == 2);
        }
    }

    /// <summary>
    /// Direction (a): Scapy's packets (its own clear packets, encrypted by its SecurityAssociation with random-looking
    /// explicit IVs) decapsulate in our engine to exactly the bytes Scapy started from. In transport mode the engine
    /// rebuilds the IP header (protocol / Next Header byte, Total Length or Payload Length, IPv4 header checksum); these
    /// are the only fields it may change, and because Scapy's clear packet is self-consistent they must come out equal
    /// to Scapy's, so the comparison is of every byte. A bit flipped in the ciphertext must fail the ICV first.
    /// </summary>
    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Our_engine_decrypts_what_scapy_encrypts(string name)
    {
        Ready();
        Scenario s = Matrix.ByName(name);
        int index = Matrix.IndexOf(s);
        ScapyResultScenario r = Result(name);
        Assert.NotEmpty(r.ScapyPackets);
        Assert.Equal(s.Packets(forScapy: true).Count, r.ScapyPackets.Count);
        using var table = new EspSaTable();
        using var sa = new EspSa(ScapyInteropFixture.InboundConfig(s, index));
        Assert.True(table.TryAdd(sa));

        // Negative control first: a corrupted copy of the first packet is refused and does not move the window.
        ScapyEncrypted first = r.ScapyPackets[0];
        Assert.True(first.Error is null, $"{name} packet 0: Scapy failed: {first.Error}");
        byte[] tampered = Convert.FromHexString(first.Wire!);
        tampered[^20] ^= 0x01;
        Assert.Equal(EspStatus.IcvFailure, Decapsulator.Decapsulate(table, tampered, 0, tampered.Length, out _, out _, out _));

        ulong[] seqs = s.ScapySequenceNumbers();
        for (int i = 0; i < r.ScapyPackets.Count; i++)
        {
            ScapyEncrypted e = r.ScapyPackets[i];
            string at = $"{name} packet {i} (seq 0x{seqs[i]:x})";
            Assert.True(e.Error is null, $"{at}: Scapy failed: {e.Error}");
            Assert.All(e.Fixups ?? [], f => Assert.True(s.Udp && s.Outer == AddressFamily.InterNetwork && f.StartsWith("udp-length", StringComparison.Ordinal), $"{at}: unexpected fix-up {f}"));
            if (e.WireAsBuilt is not null)
            {
                // What Scapy really emitted (UDP Length 8, RFC 768 says header plus data) carries no ESP: refused.
                byte[] asBuilt = Convert.FromHexString(e.WireAsBuilt);
                Assert.Equal(EspStatus.Malformed, Decapsulator.Decapsulate(table, asBuilt, 0, asBuilt.Length, out _, out _, out _));
            }

            byte[] wire = Convert.FromHexString(e.Wire!);
            EspStatus status = Decapsulator.Decapsulate(table, wire, 0, wire.Length, out EspSa? used, out int offset, out int length);
            Assert.True(status == EspStatus.Ok, $"{at}: Decapsulate returned {status}; wire {e.Wire}");
            Assert.Same(sa, used);
            Assert.Equal(e.Clear, Convert.ToHexStringLower(wire.AsSpan(offset, length)));
        }

        // The window's top is the highest full sequence number: with ESN, the high word was inferred correctly.
        Assert.Equal(seqs.Max(), sa.LastSequence);
        Assert.Equal(r.ScapyPackets.Count, sa.Packets);
    }

    private void Ready()
    {
        if (fixture.SkipReason is not null)
        {
            Assert.Skip(fixture.SkipReason);
        }

        Assert.True(fixture.HarnessError is null, fixture.HarnessError);
        Assert.NotNull(fixture.Result);
    }

    private ScapyResultScenario Result(string name)
    {
        Assert.True(fixture.Results.TryGetValue(name, out ScapyResultScenario? r), $"python returned nothing for {name}");
        return r!;
    }

    /// <summary>What ESP carries before its padding: the inner packet (+ TFC zeros) in tunnel mode, the part behind the insertion point in transport mode.</summary>
    private static byte[] ExpectedEspPayload(Scenario s, ClearPacket clear)
    {
        if (s.Mode == EspMode.Transport)
        {
            return clear.Bytes[clear.InsertionOffset..];
        }

        int length = Math.Max(clear.Bytes.Length, s.TfcPadTo);
        byte[] payload = new byte[length];
        clear.Bytes.CopyTo(payload, 0);
        return payload;
    }

    private static int ExpectedNextHeader(Scenario s, ClearPacket clear) =>
        s.Mode == EspMode.Transport ? clear.ProtocolAtInsertion : s.Inner == AddressFamily.InterNetwork ? 4 : 41;
}
