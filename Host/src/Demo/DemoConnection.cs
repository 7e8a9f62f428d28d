using System.Net;

namespace IpsecFw.Host.Demo;

/// <summary>
/// One connection the paper discusses, tried with real traffic: who calls whom, for which service, whether through
/// the hosts' SAs (overlay addresses 198.19.0.N) or in clear (198.18.L.2), and the paper's verdict.
/// </summary>
/// <param name="Label">The row's text (<c>SMTP outsider -> host1</c>).</param>
/// <param name="From">The initiator.</param>
/// <param name="To">The responder, where the server listens.</param>
/// <param name="Service">The service.</param>
/// <param name="Tunnel">True between two daemons' overlay addresses (through their SA); false in clear.</param>
/// <param name="Expected">The paper's verdict (docs/policy-language.md, "The figures worked through").</param>
internal sealed record DemoConnection(string Label, DemoHost From, DemoHost To, DemoService Service, bool Tunnel, DemoVerdict Expected)
{
    /// <summary>The initiator's address for this connection.</summary>
    public IPAddress Source => Tunnel ? From.Overlay! : From.Underlay;

    /// <summary>The responder's address for this connection.</summary>
    public IPAddress Destination => Tunnel ? To.Overlay! : To.Underlay;

    /// <summary><c>tcp 198.18.10.2 -&gt; 198.18.2.2:25</c>.</summary>
    public string Flow => $"{(Service.Udp ? "udp" : "tcp")} {Source} -> {Destination}:{Service.Port}";
}
