import CLResults
import Foundation

/// The prototype section of the HTML report (`psenn`, `prob-psenn`): each learner's
/// decoded prototypes after the last task as small inline images, grouped by the class
/// that owns them, each with its explanatory uncertainty beside it (the per-pixel spread
/// of decoded draws, drawn as a second image, and its mean). Shown for one run per
/// learner (the lowest seed): prototypes of different seeds are different pictures and
/// cannot be averaged.
enum ReportPrototypes {
    /// Pixels per image side on the page (28x28 images are drawn at 2x, pixelated).
    static let displaySize = 56

    static func section(_ summary: ProtocolSummary) -> String {
        let shown = summary.learners.compactMap { learner -> (String, RunRecord, PrototypeRecord)? in
            guard let run = learner.runs.first, let prototypes = run.prototypes, prototypes.imageShape.count == 3,
                [1, 3].contains(prototypes.imageShape[0])
            else { return nil }
            return (learner.learner, run, prototypes)
        }
        guard !shown.isEmpty else { return "" }
        var html = "<h3 id=\"\(HTMLReport.anchor(summary.protocolName))-prototypes\">Prototypes</h3>\n"
        html +=
            "<p class=\"sub\">Decoded prototype means g(μ<sub>j</sub>) after the last task, grouped by the class that "
        html += "owns them (original dataset label), all decoded by the decoder as it is after the last task (earlier "
        html +=
            "classes' pictures show how far it has drifted). For probabilistic prototypes the image beside each is its "
        html +=
            "explanatory uncertainty: the per-pixel standard deviation of g(p<sub>j</sub>) over Monte Carlo draws of "
        html +=
            "p<sub>j</sub> (white = the largest of the learner's prototypes); "
            + "the number below is its mean over pixels.</p>\n"
        for (name, run, prototypes) in shown {
            html +=
                "<h4>\(HTMLReport.escape(name)) <span class=\"sub\">(seed \(run.seed), "
                + "\(prototypes.images.count) prototypes)</span></h4>\n"
            html += "<div class=\"prototypes\">\n" + classGroups(prototypes, classOrder: run.classOrder) + "</div>\n"
        }
        return html
    }

    static func classGroups(_ prototypes: PrototypeRecord, classOrder: [Int]) -> String {
        let (channels, height, width) = (prototypes.imageShape[0], prototypes.imageShape[1], prototypes.imageShape[2])
        let largestSpread = prototypes.spreadImages.map { $0.flatMap { $0 }.filter { !$0.isNaN }.max() ?? 0 } ?? 0
        var html = ""
        var order: [Int] = []
        for c in prototypes.classes where !order.contains(c) { order.append(c) }
        for learnerLabel in order {
            let original =
                learnerLabel >= 0 && learnerLabel < classOrder.count ? classOrder[learnerLabel] : learnerLabel
            html += "<figure class=\"prototype-class\"><figcaption>class \(original)</figcaption>\n"
            for (j, owner) in prototypes.classes.enumerated() where owner == learnerLabel {
                html += "<div class=\"prototype\"><div class=\"pair\">"
                html += image(
                    prototypes.images[j], channels: channels, height: height, width: width,
                    title: "prototype \(j) of class \(original): decoded mean")
                if let spreadImages = prototypes.spreadImages, j < spreadImages.count {
                    let scaled = spreadImages[j].map { largestSpread > 0 ? $0 / largestSpread : 0 }
                    let value =
                        prototypes.spread.map { j < $0.count ? NumberFormat.value($0[j], decimals: 3) : "–" } ?? "–"
                    html += image(
                        scaled, channels: channels, height: height, width: width,
                        title: "prototype \(j): per-pixel std of decoded draws (mean \(value))")
                    html += "</div><span class=\"spread\">spread \(value)</span>"
                } else {
                    html += "</div>"
                }
                html += "</div>\n"
            }
            html += "</figure>\n"
        }
        return html
    }

    static func image(_ pixels: [Float], channels: Int, height: Int, width: Int, title: String) -> String {
        let uri = InlinePNG.dataURI(pixels: pixels, channels: channels, height: height, width: width)
        return
            "<img src=\"\(uri)\" width=\"\(displaySize)\" height=\"\(displaySize)\" "
            + "alt=\"\(HTMLReport.escape(title))\" title=\"\(HTMLReport.escape(title))\">"
    }

    static let style = """
        .prototypes { display: flex; flex-wrap: wrap; gap: 10px; }
        .prototype-class { margin: 0; padding: 6px; border: 1px solid #e2e2e2; border-radius: 4px; }
        .prototype-class figcaption { font-size: 12px; color: #555; margin-bottom: 4px; }
        .prototype { display: inline-flex; flex-direction: column; align-items: center; margin: 2px 6px; }
        .prototype .pair { display: flex; flex-direction: row; gap: 2px; }
        .prototype img { image-rendering: pixelated; border: 1px solid #ccc; margin: 1px; }
        .prototype .spread { font-size: 11px; color: #555; }
        """
}
