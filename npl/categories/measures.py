"""What the seed suggests per category (DOMAIN.md "Suggested measures"), worded for the township report.

The lost-contact wording follows DOMAIN.md rather than the seed: the platform never publishes names;
the court's 失信 list is the lawful public list, reached by suing.
"""
MEASURES = {
    "public_servant": "建议区上集中通报一批名单；区纪委监委逐人谈话，逐笔落实；对于恶意逃废债务的公职人员，建议尽快启动问责程序，依法依纪严肃处理。",
    "impersonated_or_staff": "建议核减我镇工作任务，农合行做到不遮掩，对涉嫌职务犯罪的，该移交检察机关的及时移交，实现“门前清、自身净”；建议由公安、法院等司法机关以现有线索为基础，全力侦破执行涉贷案件，推进资产处置，形成强大震慑。",
    "special_household": "对于这些贷款建议最大限度减免罚息、利息。",
    "deceased": "建议最大限度减免罚息、利息，以便我镇对其财产继承人在继承遗产实际价值范围内开展清收工作。",
    "imprisoned": "建议停息挂账，待其服刑结束后归还贷款。",
    "lost_contact": "建议区公安局核查信息；对下落不明的借款人在全国或省级报纸登报公告催收，保持诉讼时效；对于恶意逃债者依法起诉，由法院依法将其纳入失信被执行人名单。",
    "nominal_household": "建议区金融办将工作任务按照实际生活居住地划分清收责任。",
    "litigation": "建议区法院快审快判，加大执行力度。",
    "large_mortgage": "建议区上专班加强工作力度。",
}
