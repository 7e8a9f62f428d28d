using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using IpsecFw.Esp;
using IpsecFw.Esp.Packet;
using IpsecFw.Esp.Sa;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Tshark;

/// <summary>What tshark reported for one captured frame.</summary>
public sealed record TsharkFrame(
    int Number,
    string Spi,
    string Sequence,
    string PadLength,
    string NextHeader,
    string IcvGood,
    string IcvBad,
    string UdpSrcPort,
    string UdpDstPort,
    string IpSources,
    string Ipv6Sources,
    string IpProtocols,
    string Ipv6NextHeaders,
    string IpChecksumStatus,
    string UdpChecksumStatus,
    string Malformed,
    string Expert,
    byte[]? Decrypted);

/// <summary>
/// Runs the wire test once per class: our engine encrypts every <see cref="WireCase"/>, a python AF_PACKET sender in
/// namespace A puts the frames on the veth, tshark captures them in namespace B, and tshark then dissects and decrypts
/// the capture file with our keys in its ESP SA table.
/// </summary>
public sealed partial class TsharkWireFixture : IAsyncLifetime
{
    /// <summary>The capture filter: raw ESP over IPv4 or IPv6, or ESP-in-UDP on the NAT-T port.</summary>
    public const string CaptureFilter = "ip proto 50 or ip6 proto 50 or udp port 4500";

    private static readonly int[] s_sizes = [0, 1, 2, 3, 100, 1000];
    /// <summary>Where the job, result and capture files go (kept after the run if IPSECFW_INTEROP_KEEP is set).</summary>
    public string WorkDir { get; } = Path.Combine(Path.GetTempPath(), $"ipsecfw-interop-wire-{Environment.ProcessId}-{Guid.NewGuid():N}");

    /// <summary>Why the tests cannot run here, or null.</summary>
    public string? SkipReason { get; private set; }

    /// <summary>What failed in the harness, or null.</summary>
    public string? HarnessError { get; private set; }

    /// <summary>The frames we sent, in order.</summary>
    public List<WireFrame> Sent { get; } = [];

    /// <summary>What tshark made of the capture, in capture order.</summary>
    public List<TsharkFrame> Captured { get; } = [];

    /// <summary>tshark's version line.</summary>
    public string TsharkVersion { get; private set; } = "";

    /// <summary>The exact tshark read options used (for the README and failure messages).</summary>
    public IReadOnlyList<string> ReadOptions { get; private set; } = [];

    /// <summary>How long each stage took (namespaces, capture start, send, capture end, decode), for the test output.</summary>
    public List<string> Stages { get; } = [];

    /// <summary>Wall time of the whole run.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        var watch = Stopwatch.StartNew();
        SkipReason = Prerequisites.Root() ?? await Prerequisites.TsharkAsync();
        string? ip = Prerequisites.IpTool();
        SkipReason ??= ip is null ? "not run: iproute2 (`ip`) is absent" : null;
        SkipReason ??= File.Exists(Prerequisites.Python) ? null : $"not run: {Prerequisites.Python} is absent";
        if (SkipReason is not null)
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(WorkDir);
            Encrypt();
            await RunAsync(ip!);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or TimeoutException)
        {
            HarnessError = ex.Message;
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

    private void Encrypt()
    {
        foreach (WireCase c in WireCase.All)
        {
            using var sa = new EspSa(c.Config);
            if (c.Esn)
            {
                sa.SetLastSequenceForTesting(WireCase.EsnStart);
            }

            for (int i = 0; i < s_sizes.Length; i++)
            {
                ClearPacket clear = InnerPackets.Build(i % 2 == 0 ? PacketKind.Icmp : PacketKind.Udp, c.InnerLocal, c.InnerRemote, s_sizes[i], i);
                int length = clear.Bytes.Length;
                byte[] buffer = new byte[Encapsulator.MaxHeadroom + length + sa.TrailerSize(length)];
                clear.Bytes.CopyTo(buffer, Encapsulator.MaxHeadroom);
                EspStatus status = c.Mode == EspMode.Tunnel
                    ? Encapsulator.EncapsulateTunnel(sa, buffer, Encapsulator.MaxHeadroom, length, out int offset, out int packetLength)
                    : Encapsulator.EncapsulateTransport(sa, buffer, Encapsulator.MaxHeadroom, length, out offset, out packetLength);
                if (status != EspStatus.Ok)
                {
                    throw new InvalidOperationException($"{c.Name}: Encapsulate returned {status}");
                }

                Sent.Add(new WireFrame(c, clear, buffer.AsSpan(offset, packetLength).ToArray(), sa.LastSequence));
            }
        }
    }

    private async Task RunAsync(string ip)
    {
        string frames = Path.Combine(WorkDir, "frames.txt");
        string capture = Path.Combine(WorkDir, "capture.pcapng");
        await File.WriteAllLinesAsync(frames, Sent.Select(f => Convert.ToHexStringLower(EthernetFrame(f))));

        ProcessResult version = await ProcessRunner.RunAsync("/usr/bin/tshark", ["--version"], TimeSpan.FromSeconds(30));
        TsharkVersion = version.StandardOutput.Split('\n')[0].Trim();

        var clock = Stopwatch.StartNew();
        void Mark(string stage)
        {
            Stages.Add($"{stage} {clock.Elapsed.TotalSeconds:F1}s");
            clock.Restart();
        }

        await using (VethPair pair = await VethPair.CreateAsync(ip))
        {
            Mark("namespaces");
            using var tshark = new Process
            {
                StartInfo = ProcessRunner.StartInfo(ip, pair.ExecArguments(pair.NamespaceB, "/usr/bin/tshark",
                    ["-i", VethPair.InterfaceB, "-f", CaptureFilter, "-w", capture, "-c", Sent.Count.ToString(CultureInfo.InvariantCulture), "-a", "duration:60"])),
            };
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var stderr = new System.Text.StringBuilder();
            tshark.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    return;
                }

                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }

                if (e.Data.Contains("Capturing on", StringComparison.Ordinal))
                {
                    ready.TrySetResult();
                }
            };
            tshark.OutputDataReceived += (_, _) => { };
            try
            {
                tshark.Start();
                tshark.BeginErrorReadLine();
                tshark.BeginOutputReadLine();
                Task first = await Task.WhenAny(ready.Task, tshark.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(30)));
                if (first != ready.Task)
                {
                    throw new TimeoutException($"tshark did not start capturing within 30 s: {Locked(stderr)}");
                }

                // dumpcap reports "Capturing on" once the capture handle and filter are set up; a short grace period
                // covers the pipe between dumpcap and tshark.
                await Task.Delay(300);
                Mark("capture start");
                string sender = Path.Combine(AppContext.BaseDirectory, "scapy", "send_frames.py");
                ProcessResult sent = await pair.ExecAsync(pair.NamespaceA, Prerequisites.Python, [sender, VethPair.InterfaceA, frames], TimeSpan.FromSeconds(30));
                Mark("send");
                if (sent.ExitCode != 0)
                {
                    throw new InvalidOperationException($"the frame sender failed: {sent}");
                }

                // tshark stops by itself after -c frames; if some never arrive, stop waiting after 20 s.
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                try
                {
                    await tshark.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    // Counted below: the assertion on the number of captured frames reports it.
                }
            }
            finally
            {
                ProcessRunner.Kill(tshark);
                await tshark.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }

        if (!File.Exists(capture))
        {
            throw new InvalidOperationException($"tshark wrote no capture file {capture}");
        }

        Mark("capture end and clean-up");
        await DecodeAsync(capture);
        Mark("decode");
    }

    private async Task DecodeAsync(string capture)
    {
        var options = new List<string>
        {
            "-o", "esp.enable_encryption_decode:TRUE",
            "-o", "esp.enable_authentication_check:TRUE",
            "-o", "ip.check_checksum:TRUE",
            "-o", "udp.check_checksum:TRUE",
        };
        foreach (WireCase c in WireCase.All.Where(c => c.TsharkDecrypts))
        {
            options.Add("-o");
            options.Add(c.Uat);
        }

        ReadOptions = options;
        string[] fields =
        [
            "frame.number", "esp.spi", "esp.sequence", "esp.pad_len", "esp.protocol", "esp.icv_good", "esp.icv_bad",
            "udp.srcport", "udp.dstport", "ip.src", "ipv6.src", "ip.proto", "ipv6.nxt", "ip.checksum.status", "udp.checksum.status", "_ws.malformed", "_ws.expert.message",
        ];
        var fieldArgs = new List<string> { "-r", capture };
        fieldArgs.AddRange(options);
        fieldArgs.AddRange(["-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]);
        foreach (string f in fields)
        {
            fieldArgs.Add("-e");
            fieldArgs.Add(f);
        }

        Task<ProcessResult> fieldsRun = ProcessRunner.RunAsync("/usr/bin/tshark", fieldArgs, TimeSpan.FromSeconds(60));
        Task<ProcessResult> hexRun = ProcessRunner.RunAsync("/usr/bin/tshark", ["-r", capture, .. options, "-x"], TimeSpan.FromSeconds(60));
        ProcessResult fieldsResult = await fieldsRun;
        ProcessResult hexResult = await hexRun;
        if (fieldsResult.ExitCode != 0 || hexResult.ExitCode != 0)
        {
            throw new InvalidOperationException($"tshark could not read the capture:\n{fieldsResult}\n{hexResult}");
        }

        List<byte[]?> decrypted = ParseDecryptedData(hexResult.StandardOutput);
        string[] lines = fieldsResult.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (decrypted.Count != lines.Length)
        {
            throw new InvalidOperationException($"tshark -x listed {decrypted.Count} frames but -T fields {lines.Length}");
        }

        for (int i = 0; i < lines.Length; i++)
        {
            string[] v = lines[i].TrimEnd('\r').Split('\t');
            Array.Resize(ref v, fields.Length);
            v = [.. v.Select(x => x ?? "")];
            Captured.Add(new TsharkFrame(int.Parse(v[0], CultureInfo.InvariantCulture), v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16], decrypted[i]));
        }
    }

    /// <summary>
    /// The "Decrypted Data (N bytes):" hex dump of each frame of `tshark -x`, or null where there is none. Frames are
    /// separated by an empty line; a frame with a single data source has no "Frame (N bytes):" title at all.
    /// </summary>
    internal static List<byte[]?> ParseDecryptedData(string output)
    {
        var frames = new List<byte[]?>();
        List<byte>? current = null;
        int remaining = 0;
        bool inFrame = false;
        foreach (string raw in output.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                inFrame = false;
                current = null;
                continue;
            }

            Match header = DataSourceHeader().Match(line);
            Match hex = HexDumpLine().Match(line);
            if (!header.Success && !hex.Success)
            {
                continue;                       // e.g. tshark's "Running as user root" warning
            }

            if (!inFrame)
            {
                frames.Add(null);
                inFrame = true;
            }

            if (header.Success)
            {
                remaining = int.Parse(header.Groups[2].Value, CultureInfo.InvariantCulture);
                current = header.Groups[1].Value == "Decrypted Data" ? new List<byte>(remaining) : null;
                continue;
            }

            if (current is null || remaining == 0)
            {
                continue;
            }

            string[] tokens = hex.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int take = Math.Min(16, remaining);
            for (int t = 0; t < take; t++)
            {
                current.Add(byte.Parse(tokens[t], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }

            remaining -= take;
            if (remaining == 0)
            {
                frames[^1] = [.. current];
                current = null;
            }
        }

        return frames;
    }

    private static byte[] EthernetFrame(WireFrame f)
    {
        byte[] frame = new byte[14 + f.Packet.Length];
        VethPair.MacB.CopyTo(frame, 0);
        VethPair.MacA.CopyTo(frame, 6);
        frame[12] = f.Case.Family == AddressFamily.InterNetwork ? (byte)0x08 : (byte)0x86;
        frame[13] = f.Case.Family == AddressFamily.InterNetwork ? (byte)0x00 : (byte)0xdd;
        f.Packet.CopyTo(frame, 14);
        return frame;
    }

    private static string Locked(System.Text.StringBuilder sb)
    {
        lock (sb)
        {
            return sb.ToString();
        }
    }

    [GeneratedRegex(@"^([A-Za-z][A-Za-z0-9 _-]*) \((\d+) bytes\):$")]
    private static partial Regex DataSourceHeader();

    [GeneratedRegex(@"^[0-9a-f]{4,8}  (.*)$")]
    private static partial Regex HexDumpLine();
}
