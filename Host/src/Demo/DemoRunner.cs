using System.Diagnostics;
using System.Runtime.Versioning;
using System.Security.Cryptography.X509Certificates;
using IpsecFw.Host.Control;
using IpsecFw.Host.Daemon;
using IpsecFw.Spd.Distribution;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Demo;

/// <summary>
/// <c>ipsecfw demo</c>: builds the paper's organisation in network namespaces (<see cref="DemoNetwork"/>), shows that
/// without the firewall every connection in clear gets through, issues certificates (<see cref="DemoPki"/>), signs
/// Figure 1 into a bundle (<see cref="DemoSigner"/>), starts <c>ipsecfw run</c> in every host that has a certificate
/// (<see cref="DemoDaemon"/>), waits for the SAs between them, tries every connection of <see cref="DemoScenario"/>
/// with real TCP and UDP (<see cref="DemoProbe"/>), ships Figure 2 (new bundle file + reload) and tries again. Every
/// step is bounded; everything it made is removed in the end, also after a failure or a cancellation.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class DemoRunner
{
    private readonly DemoOptions _options;
    private readonly TextWriter _out;

    public DemoRunner(DemoOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _out = options.Output;
    }

    /// <summary>Runs the demonstration and returns its rows.</summary>
    /// <exception cref="DemoException">The organisation could not be built or did not come up.</exception>
    /// <exception cref="OperationCanceledException">Cancelled (Ctrl-C, SIGTERM); everything was cleaned up.</exception>
    public async Task<DemoReport> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string root = Directory.CreateTempSubdirectory("ipsecfw-demo-").FullName;
        DemoNetwork? network = null;
        DemoListeners? listeners = null;
        var daemons = new List<DemoDaemon>();
        try
        {
            network = DemoNetwork.Create(DemoCast.All);
            Say($"1. The organisation: {DemoCast.All.Count} network namespaces joined by a router that filters nothing ({network.Id}-*):");
            foreach (DemoHost h in DemoCast.All)
            {
                Say($"     {h.Label,-13} {h.Underlay,-12} {(h.Inside ? "inside " : "outside")}  " +
                    (h.RunsDaemon ? $"{h.CertificateName}, ipsecfw with overlay {h.Overlay}/32 on its TUN" : "no certificate, no ipsecfw"));
            }

            listeners = DemoListeners.Start(network, DemoScenario.Servers);
            await BaselineAsync(network, cancellationToken).ConfigureAwait(false);

            using DemoPki pki = DemoPki.Create(_options.Time);
            using DemoSigner signer = new(_options.Time);
            var identities = new Dictionary<string, PeerIdentity>(StringComparer.Ordinal);
            string figure1 = DemoPolicies.Figure1(DemoCast.TimeServer.Underlay), figure2 = DemoPolicies.Figure2(DemoCast.TimeServer.Underlay);
            PolicyBundle first = signer.Sign(figure1, "figure1.pol");
            Say($"3. The CA ({pki.Ca.Subject}) issues the certificates; the policy signer (Ed25519, key id {signer.KeyId}) signs Figure 1 as bundle serial {first.Serial}.");
            foreach (DemoHost h in DemoCast.Daemons)
            {
                DateTimeOffset notBefore = h == DemoCast.Host2 ? DemoCast.OldCertificateDate : _options.Time.GetUtcNow().AddHours(-1);
                (X509Certificate2 certificate, string certPem, string keyPem) = pki.Issue(h.CertificateName!, notBefore, _options.Time);
                using (certificate)
                {
                    identities[h.Key] = SelfIdentity.FromCertificate(certificate);
                }

                DemoHostFiles.Write(Path.Combine(root, h.Key), h, DemoCast.Daemons, certPem, keyPem, pki.CaPem, signer.PublicKeyFile, first.Encoded);
                Say($"     {h.CertificateName,-20} notBefore {notBefore:yyyy-MM-dd} (ver {notBefore:yyyyMMdd})");
            }

            // Two at a time (a daemon's start is mostly one busy core), the later ones first: each host starts SAs
            // only to the daemons after it in DemoCast.Daemons, which are then up already.
            foreach (DemoHost[] wave in DemoCast.Daemons.Reverse().Chunk(2))
            {
                Task<DemoDaemon>[] starting = [.. wave.Select(h => DemoDaemon.StartAsync(h, network.NamespaceOf(h), Path.Combine(root, h.Key),
                    _options.Executable, _options.DaemonStartBound, cancellationToken))];
                try
                {
                    await Task.WhenAll(starting).ConfigureAwait(false);
                }
                finally
                {
                    // Every daemon that did start is stopped by the clean-up, also when another one failed.
                    daemons.AddRange(starting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
                }
            }

            Say($"4. ipsecfw runs in {daemons.Count} hosts (PIDs {string.Join(", ", daemons.Select(d => $"{d.Host.Key} {d.Pid}"))}), each with the bundle, the CA and the signer's public key.");
            await WaitForSasAsync(daemons, cancellationToken).ConfigureAwait(false);

            var model1 = new DemoPolicyModel(figure1, "figure1.pol", identities);
            Say("6. Figure 1, as shipped:");
            Say(Indent(figure1));
            IReadOnlyList<DemoRow> rows1 = await TryAllAsync(network, daemons, DemoScenario.Figure1, model1, cancellationToken).ConfigureAwait(false);
            Say(DemoTable.Format(rows1));

            PolicyBundle second = signer.Sign(figure2, "figure2.pol");
            Say($"7. Figure 2 is shipped: bundle serial {second.Serial} written where each host's policy.bundle points, then 'ipsecfw reload':");
            Say(Indent(figure2));
            await ShipAsync(daemons, second, cancellationToken).ConfigureAwait(false);
            var model2 = new DemoPolicyModel(figure2, "figure2.pol", identities);
            foreach (DemoHost h in DemoCast.Daemons)
            {
                string before = model1.GroupsOf(h), after = model2.GroupsOf(h);
                Say($"     {h.CertificateName,-20} Figure 1: {before,-20} Figure 2: {after}{(before != after ? "   <- demoted: its certificate is older than 1999-03-15" : string.Empty)}");
            }

            IReadOnlyList<DemoRow> rows2 = await TryAllAsync(network, daemons, DemoScenario.Figure2, model2, cancellationToken).ConfigureAwait(false);
            Say(DemoTable.Format(rows2));
            return new DemoReport(rows1, rows2, clock.Elapsed, network.Id + "-", [.. daemons.Select(d => d.Pid)], root);
        }
        finally
        {
            await CleanUpAsync(daemons, listeners, network, root).ConfigureAwait(false);
        }
    }

    /// <summary>Before any ipsecfw runs, every connection in clear must get through: the router filters nothing, so a denial later is the hosts' doing.</summary>
    private async Task BaselineAsync(DemoNetwork network, CancellationToken cancellationToken)
    {
        DemoConnection[] clear = [.. DemoScenario.Figure1.Concat(DemoScenario.Figure2).Where(c => !c.Tunnel).DistinctBy(c => (c.From, c.To, c.Service))];
        DemoObservation[] seen = await Task.WhenAll(clear.Select(c => DemoProbe.TryAsync(network, c, _options.ProbeBound, cancellationToken))).ConfigureAwait(false);
        string[] failed = [.. clear.Zip(seen).Where(p => p.Second.Verdict != DemoVerdict.Allowed).Select(p => $"{p.First.Label}: {p.Second.Detail}")];
        if (failed.Length > 0)
        {
            throw new DemoException("without ipsecfw, these connections should get through and do not (the namespaces are broken): " + string.Join("; ", failed));
        }

        Say($"2. Without ipsecfw: all {clear.Length} connections in clear of the table get through (TCP answered, UDP answered).");
    }

    private async Task WaitForSasAsync(List<DemoDaemon> daemons, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        int others = daemons.Count - 1;
        while (true)
        {
            int[] counts = await Task.WhenAll(daemons.Select(async d =>
                (await d.TrySasAsync(cancellationToken).ConfigureAwait(false) ?? [])
                .Count(s => s.State == "established" && s.Children.Any(c => c.State == "installed")))).ConfigureAwait(false);
            if (counts.All(c => c >= others))
            {
                Say($"5. Every pair of ipsecfw hosts has an IKE SA and a CHILD_SA ({daemons.Count * others / 2} pairs, up in {clock.Elapsed.TotalSeconds:0.0} s).");
                return;
            }

            if (clock.Elapsed > _options.SaBound)
            {
                string state = string.Join("; ", daemons.Zip(counts).Select(p => $"{p.First.Host.Key}: {p.Second} of {others}"));
                throw new DemoException($"the SAs did not all come up within {_options.SaBound.TotalSeconds:0} s ({state}); logs:\n" +
                    string.Join("\n", daemons.Select(d => $"  {d.Host.Key} ({d.LogPath}):\n{d.Tail(12)}")));
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<DemoRow>> TryAllAsync(DemoNetwork network, List<DemoDaemon> daemons, IReadOnlyList<DemoConnection> connections,
        DemoPolicyModel model, CancellationToken cancellationToken)
    {
        Dictionary<string, Dictionary<string, long>> before = await CountersAsync(daemons, cancellationToken).ConfigureAwait(false);
        DemoObservation[] seen = await Task.WhenAll(connections.Select(c => DemoProbe.TryAsync(network, c, _options.ProbeBound, cancellationToken)))
            .ConfigureAwait(false);
        Dictionary<string, Dictionary<string, long>> after = await CountersAsync(daemons, cancellationToken).ConfigureAwait(false);
        return [.. connections.Zip(seen).Select(p =>
        {
            DemoDecision decision = model.Decide(p.First);
            long? counted = decision.Host is { } host
                ? DemoCounters.Rise(before.GetValueOrDefault(host.Key), after.GetValueOrDefault(host.Key), DemoCounters.Key(p.First, decision))
                : null;
            return new DemoRow(p.First, decision, p.Second, counted);
        })];
    }

    private static async Task<Dictionary<string, Dictionary<string, long>>> CountersAsync(List<DemoDaemon> daemons, CancellationToken cancellationToken)
    {
        var counters = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        foreach (DemoDaemon d in daemons)
        {
            counters[d.Host.Key] = DemoCounters.Read(await d.TryStatusAsync(cancellationToken).ConfigureAwait(false));
        }

        return counters;
    }

    private static async Task ShipAsync(List<DemoDaemon> daemons, PolicyBundle bundle, CancellationToken cancellationToken)
    {
        foreach (DemoDaemon d in daemons)
        {
            string temporary = d.BundlePath + ".new";
            await File.WriteAllBytesAsync(temporary, bundle.Encoded.ToArray(), cancellationToken).ConfigureAwait(false);
            File.Move(temporary, d.BundlePath, overwrite: true);
        }

        await Task.WhenAll(daemons.Select(async d =>
        {
            ControlResponse reload = await d.ReloadAsync(cancellationToken).ConfigureAwait(false);
            StatusReport? status = await d.TryStatusAsync(cancellationToken).ConfigureAwait(false);
            if (!reload.Ok || status?.Policy.Version != (long)bundle.Serial)
            {
                throw new DemoException($"{d.Host.Label} did not take bundle serial {bundle.Serial}: {reload.Error ?? reload.Message} " +
                    $"(running: serial {status?.Policy.Version}, {status?.Policy.LastError})\n{d.Tail(12)}");
            }
        })).ConfigureAwait(false);
    }

    private async Task CleanUpAsync(List<DemoDaemon> daemons, DemoListeners? listeners, DemoNetwork? network, string root)
    {
        await Task.WhenAll(daemons.Select(d => d.StopAsync(TimeSpan.FromSeconds(5)))).ConfigureAwait(false);
        foreach (DemoDaemon d in daemons)
        {
            d.Dispose();
        }

        listeners?.Dispose();
        network?.Dispose();
        if (_options.KeepFiles)
        {
            Say($"The run's files (certificates, configurations, bundles, daemon logs) are kept in {root}.");
            return;
        }

        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Say($"(could not remove {root}: {e.Message})");
        }
    }

    private static string Indent(string text) =>
        string.Join('\n', text.TrimEnd().Split('\n').Select((l, i) => $"     {i + 1,2}  {l}"));

    private void Say(string line) => _out.WriteLine(line);
}
