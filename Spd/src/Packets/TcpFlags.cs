namespace IpsecFw.Spd.Packets;

/// <summary>The TCP control bits (RFC 9293 3.1, RFC 3168 for ECE and CWR) that connection tracking follows.</summary>
[Flags]
public enum TcpFlags : byte
{
    /// <summary>No bit set.</summary>
    None = 0,

    /// <summary>FIN: no more data from the sender.</summary>
    Fin = 0x01,

    /// <summary>SYN: synchronise sequence numbers (opens a connection).</summary>
    Syn = 0x02,

    /// <summary>RST: reset the connection.</summary>
    Rst = 0x04,

    /// <summary>PSH: push.</summary>
    Psh = 0x08,

    /// <summary>ACK: the acknowledgment field is significant.</summary>
    Ack = 0x10,

    /// <summary>URG: the urgent pointer is significant.</summary>
    Urg = 0x20,

    /// <summary>ECE: ECN echo.</summary>
    Ece = 0x40,

    /// <summary>CWR: congestion window reduced.</summary>
    Cwr = 0x80,
}
