import Foundation
import KeelCore
import Testing

@Suite struct TimeTextTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func durationsAreOneTo99999Units() {
        #expect(TimeText.duration("90s") == 90)
        #expect(TimeText.duration("15m") == 900)
        #expect(TimeText.duration("1h") == 3600)
        #expect(TimeText.duration("7d") == 604_800)
        #expect(TimeText.duration("99999d") == 99_999.0 * 86400.0)
        for text in ["", "h", "0h", "01h", "100000d", "1.5h", "-1h", "+1h", "1e3s", "infh", "nanm", "0x10s", "1 h", "1H", "1w"] {
            #expect(TimeText.duration(text) == nil, "\(text)")
        }
    }

    @Test func datesAreRFC3339UnixSecondsOrADurationAgo() {
        #expect(TimeText.date("2026-11-01T00:00:00Z") == Date(timeIntervalSince1970: 1_793_491_200))
        #expect(TimeText.date("2026-11-01T01:30:00+01:30") == Date(timeIntervalSince1970: 1_793_491_200))
        #expect(TimeText.date("2026-10-31T22:00:00.5-02:00") == Date(timeIntervalSince1970: 1_793_491_200.5))
        #expect(TimeText.date("2024-02-29T12:00:00Z") == Date(timeIntervalSince1970: 1_709_208_000))
        #expect(TimeText.date("1969-12-31T23:59:59Z") == Date(timeIntervalSince1970: -1))
        #expect(TimeText.date("0000-01-01T00:00:00Z") == Date(timeIntervalSince1970: -62_167_219_200))
        #expect(TimeText.date("9999-12-31T23:59:59.999999999Z") != nil)
        #expect(TimeText.date("1793491200") == Date(timeIntervalSince1970: 1_793_491_200))
        #expect(TimeText.date("1793491200.25") == Date(timeIntervalSince1970: 1_793_491_200.25))
        #expect(TimeText.date("30m", now: Self.now) == Self.now.addingTimeInterval(-1800))
    }

    /// Each of these once became a date out of any store's range (and stopped the gateway) or a
    /// date Foundation rolled over: now each is refused.
    @Test func anythingElseIsRefused() {
        let refused = [
            "", "1e300", "nan", "inf", "-inf", "infinity", "0x1p3", "-5", "+5", "123456789012", "1.", ".5", "1.1234567890",
            "2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z", "2024-13-01T00:00:00Z", "2024-00-10T00:00:00Z", "2024-01-00T00:00:00Z",
            "2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z", "2024-01-01T00:00:60Z", "2024-01-01T00:00:00", "2024-01-01t00:00:00z",
            "2024-01-01 00:00:00Z", "20240101T000000Z", "2024-01-01T00:00:00+0100", "2024-01-01T00:00:00+24:00", "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00.1234567890Z", "2024-01-01T00:00:00Zjunk", "12024-01-01T00:00:00Z", "yesterdayish", "1e3d",
        ]
        for text in refused {
            #expect(TimeText.date(text, now: Self.now) == nil, "\(text)")
        }
    }
}
