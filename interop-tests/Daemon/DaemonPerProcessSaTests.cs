using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// The paper's FTP example between two real daemons (issue 5, "per-process SAs end to end"). Left runs the FTP client
/// program, right the FTP server program; both are copies of python3 under the test's own directory (<c>ftp</c> and
/// <c>ftpd</c>), so that <c>/proc/PID/exe</c> names them, and "another program" is this test process itself. The
/// policy keys a CHILD_SA for the client program's control connection (<c>keyed</c>); the server program's active-mode
/// data connection comes back on that SA (the server's daemon follows the SA the control connection came on) and the
/// client's daemon accepts it only because the listening socket is the client program's. Checked: the data arrives;
/// <c>ipsecfw sas</c> shows the second CHILD_SA; the first SYN waited for it (<c>keyed_sa_pending_out</c>); a data
/// connection to a port another program listens on is refused (<c>process_denied_in</c>); another program's control
/// connection to port 21 is refused (<c>process_denied_out</c>).
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed class DaemonPerProcessSaTests
{
    private const string ServerScript = """
        import socket, sys, time
        addr, count, deadline = sys.argv[1], int(sys.argv[2]), time.monotonic() + float(sys.argv[3])
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((addr, 21))
        ls.listen(4)
        print("listening", flush=True)
        for _ in range(count):
            ls.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                c, peer = ls.accept()
            except OSError as e:
                print(f"accept failed: {e}", flush=True)
                break
            c.settimeout(10)
            port = int(c.makefile().readline().split()[1])
            d = socket.socket()
            d.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            d.bind((addr, 20))
            d.settimeout(4)
            try:
                d.connect((peer[0], port))
                d.sendall(b"hello from ftpd\n")
                d.close()
                c.sendall(b"SENT\n")
                print(f"data {port}: sent", flush=True)
            except OSError as e:
                d.close()
                c.sendall(b"FAILED\n")
                print(f"data {port}: failed: {e}", flush=True)
            c.close()
        """;

    private const string ClientScript = """
        import socket, sys
        server, local, port, listen = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
        if listen:
            ls = socket.socket()
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ls.bind((local, port))
            ls.listen(1)
            ls.settimeout(8)
        c = socket.socket()
        c.bind((local, 0))
        c.settimeout(8)
        try:
            c.connect((server, 21))
        except OSError as e:
            print(f"control failed: {e}", flush=True)
            sys.exit(3)
        print("control ok", flush=True)
        c.sendall(f"PORT {port}\n".encode())
        if listen:
            try:
                d, _ = ls.accept()
                d.settimeout(5)
                print("data: " + d.makefile().readline().strip(), flush=True)
            except OSError as e:
                print(f"data failed: {e}", flush=True)
        print("server: " + c.makefile().readline().strip(), flush=True)
        """;

    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);
    private static readonly IPAddress s_leftTun = IPAddress.Parse("198.19.1.10");
    private static readonly IPAddress s_rightTun = IPAddress.Parse("198.19.2.10");

    [Fact]
    public async Task The_FTP_data_channel_comes_back_on_the_client_programs_own_SA_and_other_programs_are_refused()
    {
        if (Prerequisites.Root() is { } reason)
        {
            Assert.Skip(reason);
        }

        string python = new FileInfo("/usr/bin/python3").ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? "/usr/bin/python3";
        if (!File.Exists(python))
        {
            Assert.Skip("not run: python3 is not installed");
        }

        string programs = Directory.CreateTempSubdirectory("ipsecfw-ftp-").FullName;
        try
        {
            string ftp = Copy(python, Path.Combine(programs, "ftp"));
            string ftpd = Copy(python, Path.Combine(programs, "ftpd"));
            File.WriteAllText(Path.Combine(programs, "client.py"), ClientScript);
            File.WriteAllText(Path.Combine(programs, "server.py"), ServerScript);
            string policy = $$"""
                clients = x509{name="left.example.com"};
                servers = x509{name="right.example.com"};
                allow ftp(clients, servers) process "{{ftp}}" keyed;
                allow ftp(clients, servers) process "{{ftpd}}";
                allow *(servers, clients) process "{{ftpd}}";
                """;
            await RunScenarioAsync(programs, ftp, ftpd, policy);
        }
        finally
        {
            Directory.Delete(programs, recursive: true);
        }
    }

    private static async Task RunScenarioAsync(string programs, string ftp, string ftpd, string policy)
    {
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        (string rightDir, string rightJson) = DaemonConfigs.Write(pki.IssueHost("right.example.com"), net.Right, net.Left, s_rightTun, initiate: false, "left", policy);
        (string leftDir, string leftJson) = DaemonConfigs.Write(pki.IssueHost("left.example.com"), net.Left, net.Right, s_leftTun, initiate: true, "right", policy);
        await using DaemonProcess right = await DaemonProcess.StartAsync(net.Right.Ns, rightDir, rightJson);
        await using DaemonProcess left = await DaemonProcess.StartAsync(net.Left.Ns, leftDir, leftJson);
        (bool up, JsonElement sas) = await left.WaitSasAsync(s => Children(s) == 1, s_bound);
        Assert.True(up, Reports(sas, left, right));
        (up, sas) = await right.WaitSasAsync(s => Children(s) == 1, s_bound);
        Assert.True(up, Reports(sas, left, right));

        using Process server = StartServer(net.Right.Ns, ftpd, Path.Combine(programs, "server.py"), out StringBuilder serverOutput);
        try
        {
            Assert.True(await WaitForAsync(() => Read(serverOutput).Contains("listening", StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
                "the FTP server program did not start: " + Read(serverOutput));

            // 1. The FTP client program: its control connection waits for its own CHILD_SA, then the server's data
            //    connection comes back on that SA to the port the program listens on.
            ProcessResult first = await Client(net.Left.Ns, ftp, programs, 40001, listen: true);
            Assert.True(first.StandardOutput.Contains("data: hello from ftpd", StringComparison.Ordinal), $"{first}\nserver: {Read(serverOutput)}\n" + Reports("", left, right));
            Assert.Contains("server: SENT", first.StandardOutput, StringComparison.Ordinal);
            (up, sas) = await left.WaitSasAsync(s => Children(s) == 2, s_bound);
            Assert.True(up, "the client's daemon shows no second CHILD_SA: " + Reports(sas, left, right));
            (up, sas) = await right.WaitSasAsync(s => Children(s) == 2, s_bound);
            Assert.True(up, "the server's daemon shows no second CHILD_SA: " + Reports(sas, left, right));

            // 2. The server connects back to a port another program (this test process) listens on: the client's daemon
            //    refuses it on the keyed SA, because the listening socket is not the FTP client program's.
            using TcpListener other = net.Left.Ns.Run(() =>
            {
                var listener = new TcpListener(s_leftTun, 40002);
                listener.Start();
                return listener;
            });
            ProcessResult second = await Client(net.Left.Ns, ftp, programs, 40002, listen: false);
            Assert.True(second.StandardOutput.Contains("server: FAILED", StringComparison.Ordinal), $"{second}\nserver: {Read(serverOutput)}");
            Assert.False(other.Pending());

            // 3. Another program's control connection to port 21: refused by the client's own daemon.
            using (Socket socket = net.Left.Ns.Run(() =>
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.Bind(new IPEndPoint(s_leftTun, 0));
                return s;
            }))
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await socket.ConnectAsync(new IPEndPoint(s_rightTun, 21), cts.Token));
            }
        }
        finally
        {
            ProcessRunner.Kill(server);
        }

        IReadOnlyDictionary<string, long> leftPath = await left.CountersAsync("datapath");
        IReadOnlyDictionary<string, long> rightPath = await right.CountersAsync("datapath");
        string counters = "left: " + string.Join(", ", leftPath.Where(c => c.Value != 0)) + "\nright: " + string.Join(", ", rightPath.Where(c => c.Value != 0));
        Assert.True(leftPath["drops.keyed_sa_pending_out"] >= 1, counters);
        Assert.True(leftPath["drops.process_denied_in"] >= 1, counters);
        Assert.True(leftPath["drops.process_denied_out"] >= 1, counters);
        Assert.Equal(1, leftPath["process.dedicated_sas"]);
        Assert.Equal(1, rightPath["process.dedicated_sas"]);
        Assert.True(leftPath["process.lookups.found"] >= 3, counters);
        Assert.DoesNotContain($"local program {ftp} ", left.Log, StringComparison.Ordinal); // the FTP client itself was never refused
        Assert.Contains("the CHILD_SA is dedicated to " + ftp, left.Log, StringComparison.Ordinal); // the data connection to the other program was
    }

    private static string Copy(string from, string to)
    {
        File.Copy(from, to);
        File.SetUnixFileMode(to, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return to;
    }

    private static Process StartServer(Netns ns, string ftpd, string script, out StringBuilder output)
    {
        var lines = new StringBuilder();
        output = lines;
        var process = new Process
        {
            StartInfo = ProcessRunner.StartInfo(ns.IpTool, ["netns", "exec", ns.Name, "/usr/bin/env", "PYTHONHOME=/usr", ftpd, script, s_rightTun.ToString(), "2", "60"]),
        };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (lines) { lines.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (lines) { lines.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static Task<ProcessResult> Client(Netns ns, string ftp, string programs, int port, bool listen) =>
        ns.ExecAsync("/usr/bin/env", ["PYTHONHOME=/usr", ftp, Path.Combine(programs, "client.py"), s_rightTun.ToString(), s_leftTun.ToString(),
            port.ToString(System.Globalization.CultureInfo.InvariantCulture), listen ? "1" : "0"], TimeSpan.FromSeconds(30));

    private static string Read(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static async Task<bool> WaitForAsync(Func<bool> done, TimeSpan bound)
    {
        var watch = Stopwatch.StartNew();
        while (!done())
        {
            if (watch.Elapsed > bound)
            {
                return false;
            }

            await Task.Delay(100);
        }

        return true;
    }

    private static int Children(JsonElement sas) =>
        sas.GetArrayLength() == 1 && sas[0].GetProperty("state").GetString() == "established" ? sas[0].GetProperty("children").GetArrayLength() : -1;

    private static string Reports(object what, params DaemonProcess[] daemons) =>
        $"{what}\n" + string.Join("\n", daemons.Select(d => $"--- ipsecfw in {d.Ns} ---\n{d.Log}"));
}
