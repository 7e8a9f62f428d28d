using System.Collections.Concurrent;
using System.Net;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Sa;

namespace IpsecFw.Ike.Tests.Engine;

/// <summary>Joins engines in process: what one sends to an address is posted to the engine that owns it.</summary>
internal sealed class EngineLink
{
    private readonly ConcurrentDictionary<IPAddress, IkeEngine> _owners = new();

    public ConcurrentQueue<(byte[] Message, IPEndPoint To)> Unrouted { get; } = new();

    public long Sent;

    /// <summary>Whether a datagram passes the receiver's <see cref="IkeEngine.Screen"/> first, as on a real socket's receive thread.</summary>
    public bool Screening { get; set; }

    public IIkeTransport TransportFor(IPAddress self) => new Transport(this);

    public void Own(IPAddress address, IkeEngine engine) => _owners[address] = engine;

    private sealed class Transport(EngineLink link) : IIkeTransport
    {
        public void Send(ReadOnlySpan<byte> message, IPEndPoint local, IPEndPoint remote)
        {
            Interlocked.Increment(ref link.Sent);
            if (link._owners.TryGetValue(remote.Address, out IkeEngine? engine))
            {
                if (link.Screening)
                {
                    byte[] answer = new byte[CookieScreen.ResponseLength];
                    switch (engine.Screen(message, local.Address.GetAddressBytes(), answer))
                    {
                        case CookieScreenResult.Answer:
                            if (link._owners.TryGetValue(local.Address, out IkeEngine? sender))
                            {
                                sender.Post(answer, local, remote);
                            }

                            return;
                        case CookieScreenResult.Malformed:
                            return;
                    }
                }

                engine.Post(message.ToArray(), remote, local);
            }
            else
            {
                link.Unrouted.Enqueue((message.ToArray(), remote));
            }
        }
    }
}

/// <summary>Counts what an engine installs.</summary>
internal sealed class CountingSink : IChildSaSink
{
    public int UpCount;

    public int DownCount;

    public void Up(IkeSa ikeSa, ChildSa child) => Interlocked.Increment(ref UpCount);

    public void Activate(IkeSa ikeSa, ChildSa child)
    {
    }

    public void Down(IkeSa ikeSa, ChildSa child) => Interlocked.Increment(ref DownCount);
}
