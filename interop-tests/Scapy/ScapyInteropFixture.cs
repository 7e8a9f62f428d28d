using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using IpsecFw.Esp;
using IpsecFw.Esp.Packet;
using IpsecFw.Esp.Sa;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Scapy;

/// <summary>A packet our engine encapsulated for Scapy to open.</summary>
/// <param name="Clear">The clear packet we started from.</param>
/// <param name="Wire">The whole outer packet, or null if encapsulation failed.</param>
/// <param name="Sequence">The full (64-bit) sequence number the SA used.</param>
/// <param name="Error">Why encapsulation failed, if it did.</param>
public sealed record OurPacket(ClearPacket Clear, byte[]? Wire, ulong Sequence, string? Error);

/// <summary>
/// Runs the whole Scapy matrix once per test class: encapsulates our packets for every scenario, writes one job file,
/// starts esp_vectors.py once, and keeps its answer for the tests to judge.
/// </summary>
public sealed class ScapyInteropFixture : IAsyncLifetime
{
    /// <summary>Where the job, result and capture files go (kept after the run if IPSECFW_INTEROP_KEEP is set).</summary>
    public string WorkDir { get; } = Path.Combine(Path.GetTempPath(), $"ipsecfw-interop-scapy-{Environment.ProcessId}-{Guid.NewGuid():N}");

    /// <summary>Why the tests cannot run here, or null.</summary>
    public string? SkipReason { get; private set; }

    /// <summary>What failed in the harness itself (python crashed, bad JSON), or null.</summary>
    public string? HarnessError { get; private set; }

    /// <summary>Our packets per scenario name.</summary>
    public Dictionary<string, IReadOnlyList<OurPacket>> Ours { get; } = [];

    /// <summary>The job sent to python.</summary>
    public ScapyJob? Job { get; private set; }

    /// <summary>Python's answer.</summary>
    public ScapyResult? Result { get; private set; }

    /// <summary>Python's answer per scenario name.</summary>
    public Dictionary<string, ScapyResultScenario> Results { get; } = [];

    /// <summary>The python run.</summary>
    public ProcessResult? Python { get; private set; }

    /// <summary>Wall time of the whole set-up (our encryption, python).</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        var watch = Stopwatch.StartNew();
        SkipReason = await Prerequisites.ScapyAsync();
        if (SkipReason is not null)
        {
            return;
        }

        string script = Path.Combine(AppContext.BaseDirectory, "scapy", "esp_vectors.py");
        if (!File.Exists(script))
        {
            HarnessError = $"{script} is missing from the test output";
            return;
        }

        var scenarios = new List<ScapyJobScenario>();
        for (int index = 0; index < Matrix.All.Count; index++)
        {
            Scenario s = Matrix.All[index];
            IReadOnlyList<OurPacket> ours = Encapsulate(s, index);
            Ours[s.Name] = ours;
            scenarios.Add(ToJob(s, index, ours));
        }

        Job = new ScapyJob(scenarios);
        Directory.CreateDirectory(WorkDir);
        string jobPath = Path.Combine(WorkDir, "job.json");
        string resultPath = Path.Combine(WorkDir, "result.json");
        await File.WriteAllTextAsync(jobPath, JsonSerializer.Serialize(Job, ScapyJson.Options));
        Python = await ProcessRunner.RunAsync(Prerequisites.Python, [script, jobPath, resultPath], TimeSpan.FromSeconds(120));
        if (Python.ExitCode != 0 || !File.Exists(resultPath))
        {
            HarnessError = $"esp_vectors.py failed: {Python}";
            return;
        }

        try
        {
            Result = JsonSerializer.Deserialize<ScapyResult>(await File.ReadAllTextAsync(resultPath), ScapyJson.Options);
        }
        catch (JsonException ex)
        {
            HarnessError = $"esp_vectors.py wrote unreadable JSON: {ex.Message}";
            return;
        }

        foreach (ScapyResultScenario r in Result?.Scenarios ?? [])
        {
            Results[r.Name] = r;
        }

        Elapsed = watch.Elapsed;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        try
        {
            if (Directory.Exists(WorkDir) && Environment.GetEnvironmentVariable("IPSECFW_INTEROP_KEEP") is null)
            {
                Directory.Delete(WorkDir, recursive: true);
            }
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Outbound SA config for <paramref name="s"/> (us to Scapy).</summary>
    public static EspSaConfig OutboundConfig(Scenario s, int index) => new()
    {
        Spi = s.Spi(index, scapyToUs: false),
        Direction = EspDirection.Outbound,
        Cipher = s.Cipher,
        KeyMaterial = s.KeyMaterial(scapyToUs: false),
        Mode = s.Mode,
        ExtendedSequenceNumbers = s.Esn,
        TfcPadTo = s.TfcPadTo,
        LocalAddress = s.Local,
        RemoteAddress = s.Remote,
        UdpEncapsulation = s.Udp ? new UdpEncapsulationPorts(4500, 4500) : null,
    };

    /// <summary>Inbound SA config for <paramref name="s"/> (Scapy to us).</summary>
    public static EspSaConfig InboundConfig(Scenario s, int index) => new()
    {
        Spi = s.Spi(index, scapyToUs: true),
        Direction = EspDirection.Inbound,
        Cipher = s.Cipher,
        KeyMaterial = s.KeyMaterial(scapyToUs: true),
        Mode = s.Mode,
        ExtendedSequenceNumbers = s.Esn,
        LocalAddress = s.Local,
        RemoteAddress = s.Remote,
        UdpEncapsulation = s.Udp ? new UdpEncapsulationPorts(4500, 4500) : null,
    };

    private static List<OurPacket> Encapsulate(Scenario s, int index)
    {
        using var sa = new EspSa(OutboundConfig(s, index));
        if (s.Esn)
        {
            sa.SetLastSequenceForTesting(Scenario.EsnOutboundStart);
        }

        var list = new List<OurPacket>();
        var specs = s.Packets(forScapy: false);
        for (int i = 0; i < specs.Count; i++)
        {
            ClearPacket clear = InnerPackets.Build(specs[i].Kind, s.InnerLocal, s.InnerRemote, specs[i].Size, i);
            int length = clear.Bytes.Length;

            // Exactly the room the Encapsulator documents: MaxHeadroom in front, TrailerSize(length) behind.
            byte[] buffer = new byte[Encapsulator.MaxHeadroom + length + sa.TrailerSize(length)];
            clear.Bytes.CopyTo(buffer, Encapsulator.MaxHeadroom);
            EspStatus status = s.Mode == EspMode.Tunnel
                ? Encapsulator.EncapsulateTunnel(sa, buffer, Encapsulator.MaxHeadroom, length, out int offset, out int packetLength)
                : Encapsulator.EncapsulateTransport(sa, buffer, Encapsulator.MaxHeadroom, length, out offset, out packetLength);
            list.Add(status == EspStatus.Ok
                ? new OurPacket(clear, buffer.AsSpan(offset, packetLength).ToArray(), sa.LastSequence, null)
                : new OurPacket(clear, null, sa.LastSequence, $"Encapsulate returned {status}"));
        }

        return list;
    }

    private static ScapyJobScenario ToJob(Scenario s, int index, IReadOnlyList<OurPacket> ours)
    {
        ulong[] seqs = s.ScapySequenceNumbers();
        var specs = s.Packets(forScapy: true);
        var scapyPackets = specs.Select((p, i) => new ScapyPacketSpec(i, KindName(p.Kind), p.Size, seqs[i], Convert.ToHexStringLower(s.ScapyIv(i)))).ToList();
        return new ScapyJobScenario(
            s.Name,
            s.ScapyAlgo,
            s.Esn,
            s.Mode == EspMode.Tunnel ? "tunnel" : "transport",
            s.Udp,
            s.Outer == AddressFamily.InterNetwork ? 4 : 6,
            s.Inner == AddressFamily.InterNetwork ? 4 : 6,
            s.Local.ToString(),
            s.Remote.ToString(),
            s.InnerLocal.ToString(),
            s.InnerRemote.ToString(),
            s.Spi(index, scapyToUs: true),
            Convert.ToHexStringLower(s.KeyMaterial(scapyToUs: true)),
            s.Spi(index, scapyToUs: false),
            Convert.ToHexStringLower(s.KeyMaterial(scapyToUs: false)),
            scapyPackets,
            [.. ours.Where(o => o.Wire is not null).Select(o => new OurWirePacket(Convert.ToHexStringLower(o.Wire!), o.Sequence))]);
    }

    private static string KindName(PacketKind kind) => kind switch
    {
        PacketKind.Icmp => "icmp",
        PacketKind.Udp => "udp",
        PacketKind.UdpHopByHop => "udp_hop_by_hop",
        PacketKind.IcmpDestOpt => "icmp_dest_opt",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
