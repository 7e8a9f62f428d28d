using System.Text;

namespace IpsecFw.Spd.Language;

/// <summary>
/// Splits policy source into tokens. <c>#</c> starts a comment that runs to the end of the line. A word is a run of
/// letters, digits and <c>_ . : / -</c>, so that names (<c>inside_net</c>, <c>mail-gw.example.com</c>), addresses
/// (<c>192.0.2.0/24</c>, <c>2001:db8::1</c>, <c>198.18.0.1-198.18.0.9</c>) and services (<c>tcp/25</c>,
/// <c>udp/5000-5100</c>) are single tokens whose meaning the parser and compiler decide. Lexical errors are reported and
/// the offending character skipped, so one run reports every error in the file.
/// </summary>
internal sealed class Lexer
{
    private readonly string _source;
    private readonly DiagnosticBag _diagnostics;
    private int _position;
    private int _line = 1;
    private int _lineStart;

    public Lexer(string source, DiagnosticBag diagnostics)
    {
        _source = source;
        _diagnostics = diagnostics;
    }

    public static bool IsWordChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or ':' or '/' or '-';

    public List<Token> Tokenize()
    {
        var tokens = new List<Token>();
        while (true)
        {
            Token t = Next();
            tokens.Add(t);
            if (t.Kind == TokenKind.End)
            {
                return tokens;
            }
        }
    }

    private int Column => _position - _lineStart + 1;

    private Token Next()
    {
        while (_position < _source.Length)
        {
            char c = _source[_position];
            if (c == '\n')
            {
                _position++;
                _line++;
                _lineStart = _position;
                continue;
            }

            if (c is ' ' or '\t' or '\r')
            {
                _position++;
                continue;
            }

            if (c == '#')
            {
                while (_position < _source.Length && _source[_position] != '\n')
                {
                    _position++;
                }

                continue;
            }

            int column = Column;
            if (IsWordChar(c))
            {
                int start = _position;
                while (_position < _source.Length && IsWordChar(_source[_position]))
                {
                    _position++;
                }

                return new Token(TokenKind.Word, _source[start.._position], new SourceSpan(_line, column, _position - start));
            }

            if (c == '"')
            {
                return ReadString(column);
            }

            TokenKind? kind = c switch
            {
                '*' => TokenKind.Star,
                '=' => TokenKind.Equals,
                '{' => TokenKind.LeftBrace,
                '}' => TokenKind.RightBrace,
                '(' => TokenKind.LeftParen,
                ')' => TokenKind.RightParen,
                ',' => TokenKind.Comma,
                ';' => TokenKind.Semicolon,
                '|' => TokenKind.Pipe,
                '@' => TokenKind.At,
                '<' => Peek(1) == '=' ? TokenKind.LessEqual : TokenKind.Less,
                '>' => Peek(1) == '=' ? TokenKind.GreaterEqual : TokenKind.Greater,
                _ => null,
            };
            if (kind is { } k)
            {
                int length = k is TokenKind.LessEqual or TokenKind.GreaterEqual ? 2 : 1;
                string text = _source.Substring(_position, length);
                _position += length;
                return new Token(k, text, new SourceSpan(_line, column, length));
            }

            string shown = char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString();
            _diagnostics.Error(new SourceSpan(_line, column, 1), $"unexpected character '{shown}'");
            _position++;
        }

        return new Token(TokenKind.End, string.Empty, new SourceSpan(_line, Column, 1));
    }

    private char Peek(int ahead) =>
        _position + ahead < _source.Length ? _source[_position + ahead] : '\0';

    private Token ReadString(int column)
    {
        int start = _position;
        _position++; // opening quote
        var value = new StringBuilder();
        while (true)
        {
            if (_position >= _source.Length || _source[_position] == '\n')
            {
                _diagnostics.Error(new SourceSpan(_line, column, 1), "unterminated string");
                return new Token(TokenKind.String, value.ToString(), new SourceSpan(_line, column, _position - start));
            }

            char c = _source[_position];
            if (c == '"')
            {
                _position++;
                return new Token(TokenKind.String, value.ToString(), new SourceSpan(_line, column, _position - start));
            }

            if (c == '\\')
            {
                char e = Peek(1);
                if (e is '"' or '\\')
                {
                    value.Append(e);
                    _position += 2;
                    continue;
                }

                _diagnostics.Error(new SourceSpan(_line, Column, 2), $"unknown escape sequence '\\{e}' in string");
                _position++;
                continue;
            }

            value.Append(c);
            _position++;
        }
    }
}
