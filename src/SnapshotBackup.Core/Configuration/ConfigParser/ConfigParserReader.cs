using System.Buffers;
using System.Globalization;
using System.Text;

namespace SnapshotBackup.Core.Configuration.ConfigParser;

/// <summary>
/// Reads one file exactly as Python 3.11's <c>configparser.ConfigParser()</c> does with its default settings
/// (<c>RawConfigParser._read</c> and <c>_join_multiline_values</c>): delimiters <c>=</c> and <c>:</c>, full-line
/// comments <c>#</c> and <c>;</c>, no inline comments, strict, empty lines kept in values, keys lower-cased, section
/// names as written, values continued on lines indented deeper than their key.
/// </summary>
internal static class ConfigParserReader
{
    public const string DefaultSection = "DEFAULT";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads and parses <paramref name="path"/> as strict UTF-8, a byte-order mark kept as text like Python does.</summary>
    /// <exception cref="IniSyntaxException">Invalid UTF-8, or a file configparser refuses.</exception>
    public static IniFile Read(string path) => Parse(Decode(File.ReadAllBytes(path), path), path);

    public static string Decode(byte[] bytes, string path)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var span = bytes.AsSpan();
        var offset = 0;
        while (offset < span.Length)
        {
            if (Rune.DecodeFromUtf8(span[offset..], out _, out var consumed) != OperationStatus.Done)
            {
                var line = 1 + span[..offset].Count((byte)'\n');
                throw new IniSyntaxException(IniSyntaxKind.UnicodeDecodeError, string.Create(CultureInfo.InvariantCulture,
                    $"{path}:{line}: not valid UTF-8 (byte 0x{span[offset]:x2} at offset {offset}); save the file as UTF-8"));
            }
            offset += consumed;
        }
        return StrictUtf8.GetString(bytes);
    }

    public static IniFile Parse(string text, string path)
    {
        ArgumentNullException.ThrowIfNull(text);
        var file = new FileParse(path);
        var lineNumber = 0;
        foreach (var line in PythonText.SplitLines(text))
        {
            file.Read(line, ++lineNumber);
        }
        return file.Finish();
    }

    /// <summary>One file being read: <c>_read</c>'s loop state, one method per kind of line.</summary>
    private sealed class FileParse(string path)
    {
        private readonly List<IniHeader> _headers = [];
        private readonly List<OptionLines> _options = [];
        private readonly Dictionary<string, int> _sectionLines = new(StringComparer.Ordinal);
        private readonly Dictionary<(string, string), int> _optionLines = [];
        private readonly List<string> _errors = [];
        private string? _section;
        private OptionLines? _option;
        private int _indentLevel;

        /// <summary>The value being read, when a deeper-indented or blank line may still continue it.</summary>
        private OptionLines? OpenValue => _section is not null && _option is { Key.Length: > 0 } ? _option : null;

        public void Read(string line, int lineNumber)
        {
            var stripped = PythonText.Strip(line);
            var comment = stripped.StartsWith('#') || stripped.StartsWith(';');
            var value = comment ? "" : stripped;
            if (value.Length == 0)
            {
                // A blank line belongs to the value being read (trailing ones are stripped at the end); a comment does not.
                if (!comment)
                {
                    OpenValue?.Lines.Add("");
                }
                return;
            }
            var indent = PythonText.Indent(line);
            if (OpenValue is { } open && indent > _indentLevel)
            {
                open.Lines.Add(value);
                return;
            }
            _indentLevel = indent;
            var close = value.LastIndexOf(']');
            if (value[0] == '[' && close >= 2)
            {
                Header(value[1..close], lineNumber);
            }
            else if (_section is null)
            {
                throw new IniSyntaxException(IniSyntaxKind.MissingSectionHeaderError, MissingHeader(path, lineNumber, line, value));
            }
            else if (value.IndexOfAny(['=', ':']) is var delimiter and >= 0)
            {
                Option(_section, value, delimiter, lineNumber);
            }
            else
            {
                _errors.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{path}:{lineNumber}: '{value}' is neither a [section] header nor a 'key = value' line (and not indented to continue a value)"));
            }
        }

        private void Header(string section, int lineNumber)
        {
            if (section != DefaultSection)
            {
                if (_sectionLines.TryGetValue(section, out var first))
                {
                    throw new IniSyntaxException(IniSyntaxKind.DuplicateSectionError, string.Create(CultureInfo.InvariantCulture,
                        $"{path}:{lineNumber}: section [{section}] appears twice in this file (first on line {first}); merge the two"));
                }
                _sectionLines[section] = lineNumber;
            }
            _section = section;
            _headers.Add(new IniHeader(section, lineNumber));
            _option = null;
        }

        private void Option(string section, string value, int delimiter, int lineNumber)
        {
            if (delimiter == 0)
            {
                _errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}:{lineNumber}: '{value}' has no key before '{value[0]}'"));
            }
            var key = PythonText.Lower(PythonText.RStrip(value[..delimiter]));
            if (_optionLines.TryGetValue((section, key), out var first))
            {
                throw new IniSyntaxException(IniSyntaxKind.DuplicateOptionError, string.Create(CultureInfo.InvariantCulture,
                    $"{path}:{lineNumber}: option '{key}' appears twice in [{section}] (first on line {first}); keep one"));
            }
            _optionLines[(section, key)] = lineNumber;
            _option = new OptionLines(section, key, lineNumber, [PythonText.Strip(value[(delimiter + 1)..])]);
            _options.Add(_option);
        }

        /// <summary>configparser raises its collected ParsingError at the end of the file; then values are joined.</summary>
        public IniFile Finish()
        {
            if (_errors.Count > 0)
            {
                throw new IniSyntaxException(IniSyntaxKind.ParsingError, _errors.Count == 1
                    ? _errors[0]
                    : $"{_errors[0]}; {_errors.Count - 1} more such line(s): {string.Join("; ", _errors.Skip(1))}");
            }
            return new IniFile(path, _headers,
                [.. _options.Select(o => new IniOption(o.Section, o.Key, PythonText.RStrip(string.Join('\n', o.Lines)), o.Line))]);
        }
    }

    private static string MissingHeader(string path, int lineNumber, string line, string value) =>
        lineNumber == 1 && line.StartsWith('\uFEFF')
            ? $"{path}:1: the file starts with a byte-order mark (U+FEFF), which configparser reads as text before the first " +
              "header; save it without BOM (as plain UTF-8)"
            : string.Create(CultureInfo.InvariantCulture,
                $"{path}:{lineNumber}: no section header before '{value}' (put [DEFAULT] or a [name] header above it)");

    private sealed record OptionLines(string Section, string Key, int Line, List<string> Lines);
}
